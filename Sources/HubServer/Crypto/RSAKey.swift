import COpenSSL

/// An RSA key pair held by OpenSSL (an `EVP_PKEY`), for RS256 signatures.
///
/// `@unchecked Sendable`: the key is never modified after creation, and OpenSSL 3 allows one `EVP_PKEY`
/// to be used by several threads at once for signing and verifying (each operation has its own context).
final class RSAKey: @unchecked Sendable {
    private let pkey: OpaquePointer

    private init(taking pkey: OpaquePointer) { self.pkey = pkey }

    deinit { EVP_PKEY_free(pkey) }

    /// Generates a new key pair.
    static func generate(bits: Int = 2048) throws -> RSAKey {
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else { throw OpenSSLError("EVP_PKEY_CTX_new_from_name") }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_keygen_init(ctx) == 1 else { throw OpenSSLError("EVP_PKEY_keygen_init") }
        guard EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, Int32(bits)) == 1 else {
            throw OpenSSLError("EVP_PKEY_CTX_set_rsa_keygen_bits")
        }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(ctx, &key) == 1, let key else { throw OpenSSLError("EVP_PKEY_generate") }
        return RSAKey(taking: key)
    }

    /// Reads a private key from PEM (PKCS#8 or traditional RSA).
    /// - Throws: `OpenSSLError` when the text is not an RSA private key of at least 2048 bits.
    init(privateKeyPEM pem: String) throws {
        let bytes = Array(pem.utf8)
        let key: OpaquePointer? = bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key else { throw OpenSSLError("PEM_read_bio_PrivateKey") }
        guard EVP_PKEY_is_a(key, "RSA") == 1, EVP_PKEY_get_bits(key) >= 2048 else {
            EVP_PKEY_free(key)
            throw OpenSSLError("RSA key check (not an RSA key of 2048 bits or more)")
        }
        pkey = key
    }

    /// The private key as PKCS#8 PEM. Secret: store it, never log it.
    func privateKeyPEM() throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLError("BIO_new") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil) == 1 else {
            throw OpenSSLError("PEM_write_bio_PrivateKey")
        }
        return String(decoding: try Self.drain(bio), as: UTF8.self)
    }

    /// The public key as SubjectPublicKeyInfo PEM.
    func publicKeyPEM() throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLError("BIO_new") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PUBKEY(bio, pkey) == 1 else { throw OpenSSLError("PEM_write_bio_PUBKEY") }
        return String(decoding: try Self.drain(bio), as: UTF8.self)
    }

    private static func drain(_ bio: OpaquePointer) throws -> [UInt8] {
        let pending = Int(BIO_ctrl_pending(bio))
        var buffer = [UInt8](repeating: 0, count: pending)
        let read = buffer.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32(pending)) }
        guard read == pending else { throw OpenSSLError("BIO_read") }
        return buffer
    }

    /// The modulus and public exponent, big-endian without leading zeros (as a JWK wants them).
    func publicComponents() throws -> (modulus: [UInt8], exponent: [UInt8]) {
        (try bigNumberParameter(OSSL_PKEY_PARAM_RSA_N), try bigNumberParameter(OSSL_PKEY_PARAM_RSA_E))
    }

    private func bigNumberParameter(_ name: String) throws -> [UInt8] {
        var bn: OpaquePointer?
        guard EVP_PKEY_get_bn_param(pkey, name, &bn) == 1, let bn else { throw OpenSSLError("EVP_PKEY_get_bn_param(\(name))") }
        defer { BN_free(bn) }
        var out = [UInt8](repeating: 0, count: (Int(BN_num_bits(bn)) + 7) / 8)
        _ = BN_bn2bin(bn, &out)
        return out
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 (JWS "RS256").
    func signSHA256(_ message: [UInt8]) throws -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw OpenSSLError("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, EVP_sha256(), nil, pkey) == 1 else { throw OpenSSLError("EVP_DigestSignInit") }
        var length = 0
        let sized = message.withUnsafeBufferPointer { EVP_DigestSign(ctx, nil, &length, $0.baseAddress, $0.count) }
        guard sized == 1 else { throw OpenSSLError("EVP_DigestSign") }
        var signature = [UInt8](repeating: 0, count: length)
        let signed = message.withUnsafeBufferPointer { EVP_DigestSign(ctx, &signature, &length, $0.baseAddress, $0.count) }
        guard signed == 1 else { throw OpenSSLError("EVP_DigestSign") }
        return Array(signature.prefix(length))
    }

    /// Whether `signature` is a valid RS256 signature of `message` by this key.
    func verifySHA256(signature: [UInt8], message: [UInt8]) -> Bool {
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, EVP_sha256(), nil, pkey) == 1 else {
            ERR_clear_error()
            return false
        }
        let status = signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                EVP_DigestVerify(ctx, sig.baseAddress, sig.count, msg.baseAddress, msg.count)
            }
        }
        // A bad signature leaves reasons on this thread's error queue; drop them.
        if status != 1 { ERR_clear_error() }
        return status == 1
    }
}
