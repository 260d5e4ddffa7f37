import COpenSSL

/// A private key held by OpenSSL (an `EVP_PKEY`): the CA's own key. Worker keys never reach the hub;
/// it sees only their public halves inside CSRs.
///
/// `@unchecked Sendable`: never modified after creation; OpenSSL 3 lets several threads sign with one
/// `EVP_PKEY` at once (each signature has its own context).
final class PKIKey: @unchecked Sendable {
    /// Borrowed by `CertificateBuilder` for signing; owned (and freed) here.
    let pointer: OpaquePointer

    private init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_free(pointer) }

    /// A new EC key on `curve` (P-256 by default: small, fast, accepted by every TLS stack in use).
    static func generateEC(curve: String = "P-256") throws -> PKIKey {
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else { throw OpenSSLError("EVP_PKEY_CTX_new_from_name") }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_keygen_init(ctx) == 1 else { throw OpenSSLError("EVP_PKEY_keygen_init") }
        guard EVP_PKEY_CTX_set_group_name(ctx, curve) == 1 else { throw OpenSSLError("EVP_PKEY_CTX_set_group_name") }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(ctx, &key) == 1, let key else { throw OpenSSLError("EVP_PKEY_generate") }
        return PKIKey(taking: key)
    }

    /// Reads a PEM private key (PKCS#8 or traditional).
    init(privateKeyPEM pem: String) throws {
        let key = try MemoryBIO.reading(pem) { bio in PEM_read_bio_PrivateKey(bio, nil, nil, nil) }
        guard let key else { throw OpenSSLError("PEM_read_bio_PrivateKey") }
        pointer = key
    }

    /// The private key as PKCS#8 PEM. Secret: stored in PostgreSQL, never logged, never served.
    func privateKeyPEM() throws -> String {
        try MemoryBIO.writing("PEM_write_bio_PrivateKey") { PEM_write_bio_PrivateKey($0, pointer, nil, nil, 0, nil, nil) }
    }
}
