import COpenSSL

/// A PKCS#10 certificate signing request from a worker (`ngenea-worker join`). The worker keeps its
/// private key; the request proves it holds it (the self-signature) and carries the public half.
/// The hub takes only the public key from it: subject and extensions are the hub's to decide.
final class CertificateRequest: @unchecked Sendable {
    // Read-only after parsing; used by one request handler.
    let pointer: OpaquePointer

    /// Why a CSR was refused, worded for the `csr` field of a 400.
    struct Invalid: Error, Equatable, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    deinit { X509_REQ_free(pointer) }

    /// Parses and checks a PEM CSR: well formed, self-signature valid, an RSA key of 2048 bits or more or
    /// an EC key of 256 bits or more.
    init(pem: String) throws(Invalid) {
        guard pem.contains("-----BEGIN CERTIFICATE REQUEST-----") || pem.contains("-----BEGIN NEW CERTIFICATE REQUEST-----") else {
            throw Invalid(message: "Expected a PEM certificate signing request (-----BEGIN CERTIFICATE REQUEST-----).")
        }
        let parsed = try? MemoryBIO.reading(pem) { bio in PEM_read_bio_X509_REQ(bio, nil, nil, nil) }
        guard let request = parsed else {
            ERR_clear_error()
            throw Invalid(message: "The certificate signing request could not be parsed.")
        }
        pointer = request
        guard let key = X509_REQ_get0_pubkey(request) else {
            ERR_clear_error()
            throw Invalid(message: "The certificate signing request has no usable public key.")
        }
        guard X509_REQ_verify(request, key) == 1 else {
            ERR_clear_error()
            throw Invalid(message: "The certificate signing request's signature does not verify.")
        }
        let bits = EVP_PKEY_get_bits(key)
        let acceptable = (EVP_PKEY_is_a(key, "RSA") == 1 && bits >= 2048) || (EVP_PKEY_is_a(key, "EC") == 1 && bits >= 256)
        guard acceptable else {
            throw Invalid(message: "The key must be RSA of at least 2048 bits or EC of at least 256 bits.")
        }
    }

    /// The requester's public key (borrowed from the request).
    var publicKey: OpaquePointer? { X509_REQ_get0_pubkey(pointer) }
}
