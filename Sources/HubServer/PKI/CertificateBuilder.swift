import COpenSSL
import Foundation

/// Builds and signs X.509 v3 certificates: the hub's self-signed root and the client certificates it
/// issues to worker nodes. Extensions are written as DER by hand (they are a few fixed bytes) because
/// the X509V3 configuration API is not part of the COpenSSL module.
enum CertificateBuilder {
    /// Who a certificate is for.
    struct Subject: Sendable, Equatable {
        var commonName: String
        var organization: String
    }

    /// The self-signed root: CA:TRUE (critical), keyCertSign and cRLSign (critical), key identifiers.
    static func selfSignedRoot(key: PKIKey, subject: Subject, days: Int) throws -> X509Certificate {
        try build(publicKey: key.pointer, subject: subject, days: days, signer: key) { certificate in
            guard let name = X509_get_subject_name(certificate), X509_set_issuer_name(certificate, name) == 1 else {
                throw OpenSSLError("X509_set_issuer_name")
            }
            let keyID = try keyIdentifier(certificate)
            try addExtension(certificate, NID_basic_constraints, critical: true, der: DER.basicConstraintsCA)
            try addExtension(certificate, NID_key_usage, critical: true, der: DER.keyUsageCertSignCRLSign)
            try addExtension(certificate, NID_subject_key_identifier, critical: false, der: DER.subjectKeyIdentifier(keyID))
            try addExtension(certificate, NID_authority_key_identifier, critical: false, der: DER.authorityKeyIdentifier(keyID))
        }
    }

    /// A client certificate for `publicKey`, signed by the CA: CA:FALSE, digitalSignature, clientAuth.
    /// It never outlives the CA: `days` is cut at the CA's own expiry.
    static func clientCertificate(
        publicKey: OpaquePointer, subject: Subject, days: Int, issuer: X509Certificate, issuerKey: PKIKey
    ) throws -> X509Certificate {
        try build(publicKey: publicKey, subject: subject, days: days, signer: issuerKey) { certificate in
            guard let issuerName = X509_get_subject_name(issuer.pointer), X509_set_issuer_name(certificate, issuerName) == 1 else {
                throw OpenSSLError("X509_set_issuer_name")
            }
            if let caEnd = X509_get0_notAfter(issuer.pointer), let end = X509_getm_notAfter(certificate),
                ASN1_TIME_compare(end, caEnd) > 0
            {
                guard X509_set1_notAfter(certificate, caEnd) == 1 else { throw OpenSSLError("X509_set1_notAfter") }
            }
            try addExtension(certificate, NID_basic_constraints, critical: true, der: DER.basicConstraintsLeaf)
            try addExtension(certificate, NID_key_usage, critical: true, der: DER.keyUsageDigitalSignature)
            try addExtension(certificate, NID_ext_key_usage, critical: false, der: DER.extendedKeyUsageClientAuth)
            try addExtension(
                certificate, NID_subject_key_identifier, critical: false, der: DER.subjectKeyIdentifier(try keyIdentifier(certificate)))
            try addExtension(
                certificate, NID_authority_key_identifier, critical: false,
                der: DER.authorityKeyIdentifier(try keyIdentifier(issuer.pointer)))
        }
    }

    /// The common part: version 3, a random serial (16 bytes, 126 of its bits random), subject, validity from five minutes ago (a
    /// node whose clock lags a little can use the certificate at once), the public key; `finish` sets the
    /// issuer and extensions; then `signer` signs it with SHA-256.
    private static func build(
        publicKey: OpaquePointer, subject: Subject, days: Int, signer: PKIKey, finish: (OpaquePointer) throws -> Void
    ) throws -> X509Certificate {
        guard let certificate = X509_new() else { throw OpenSSLError("X509_new") }
        var owned = true
        defer { if owned { X509_free(certificate) } }
        guard X509_set_version(certificate, Int(X509_VERSION_3)) == 1 else { throw OpenSSLError("X509_set_version") }
        try setRandomSerial(certificate)
        try setSubject(certificate, subject)
        guard let start = X509_getm_notBefore(certificate), X509_time_adj_ex(start, 0, -300, nil) != nil,
            let end = X509_getm_notAfter(certificate), X509_time_adj_ex(end, Int32(days), 0, nil) != nil
        else { throw OpenSSLError("X509_time_adj_ex") }
        guard X509_set_pubkey(certificate, publicKey) == 1 else { throw OpenSSLError("X509_set_pubkey") }
        try finish(certificate)
        guard X509_sign(certificate, signer.pointer, EVP_sha256()) > 0 else { throw OpenSSLError("X509_sign") }
        owned = false
        return X509Certificate(taking: certificate)
    }

    private static func setRandomSerial(_ certificate: OpaquePointer) throws {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&bytes, Int32(bytes.count)) == 1 else { throw OpenSSLError("RAND_bytes") }
        bytes[0] &= 0x7F  // positive
        bytes[0] |= 0x40  // always 16 bytes long
        guard let bn = BN_bin2bn(bytes, Int32(bytes.count), nil) else { throw OpenSSLError("BN_bin2bn") }
        defer { BN_free(bn) }
        guard let serial = X509_get_serialNumber(certificate), BN_to_ASN1_INTEGER(bn, serial) != nil else {
            throw OpenSSLError("BN_to_ASN1_INTEGER")
        }
    }

    private static func setSubject(_ certificate: OpaquePointer, _ subject: Subject) throws {
        guard let name = X509_NAME_new() else { throw OpenSSLError("X509_NAME_new") }
        defer { X509_NAME_free(name) }
        for (field, value) in [("O", subject.organization), ("CN", subject.commonName)] {
            let bytes = Array(value.utf8)
            guard X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, bytes, Int32(bytes.count), -1, 0) == 1 else {
                throw OpenSSLError("X509_NAME_add_entry_by_txt(\(field))")
            }
        }
        guard X509_set_subject_name(certificate, name) == 1 else { throw OpenSSLError("X509_set_subject_name") }
    }

    /// SHA-1 of the certificate's public key bits (RFC 5280 4.2.1.2, method 1).
    static func keyIdentifier(_ certificate: OpaquePointer) throws -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_pubkey_digest(certificate, EVP_sha1(), &digest, &length) == 1 else { throw OpenSSLError("X509_pubkey_digest") }
        return Array(digest.prefix(Int(length)))
    }

    private static func addExtension(_ certificate: OpaquePointer, _ nid: Int32, critical: Bool, der: [UInt8]) throws {
        guard let value = ASN1_OCTET_STRING_new() else { throw OpenSSLError("ASN1_OCTET_STRING_new") }
        defer { ASN1_OCTET_STRING_free(value) }
        guard ASN1_OCTET_STRING_set(value, der, Int32(der.count)) == 1 else { throw OpenSSLError("ASN1_OCTET_STRING_set") }
        guard let ext = X509_EXTENSION_create_by_NID(nil, nid, critical ? 1 : 0, value) else {
            throw OpenSSLError("X509_EXTENSION_create_by_NID")
        }
        defer { X509_EXTENSION_free(ext) }
        // X509_add_ext copies the extension.
        guard X509_add_ext(certificate, ext, -1) == 1 else { throw OpenSSLError("X509_add_ext") }
    }
}

/// The DER values of the extensions above (RFC 5280 4.2.1).
enum DER {
    /// BasicConstraints { cA TRUE }
    static let basicConstraintsCA: [UInt8] = [0x30, 0x03, 0x01, 0x01, 0xFF]
    /// BasicConstraints { } (cA defaults to FALSE)
    static let basicConstraintsLeaf: [UInt8] = [0x30, 0x00]
    /// KeyUsage BIT STRING: keyCertSign (5) and cRLSign (6): 0b0000_0110, one unused bit.
    static let keyUsageCertSignCRLSign: [UInt8] = [0x03, 0x02, 0x01, 0x06]
    /// KeyUsage BIT STRING: digitalSignature (0): 0b1000_0000, seven unused bits.
    static let keyUsageDigitalSignature: [UInt8] = [0x03, 0x02, 0x07, 0x80]
    /// ExtKeyUsageSyntax: SEQUENCE { id-kp-clientAuth 1.3.6.1.5.5.7.3.2 }
    static let extendedKeyUsageClientAuth: [UInt8] = [0x30, 0x0A, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02]

    /// SubjectKeyIdentifier: OCTET STRING.
    static func subjectKeyIdentifier(_ id: [UInt8]) -> [UInt8] { [0x04, UInt8(id.count)] + id }

    /// AuthorityKeyIdentifier: SEQUENCE { [0] IMPLICIT keyIdentifier }.
    static func authorityKeyIdentifier(_ id: [UInt8]) -> [UInt8] { [0x30, UInt8(id.count + 2), 0x80, UInt8(id.count)] + id }
}
