import COpenSSL
import Foundation

/// An X.509 certificate held by OpenSSL (`X509`), read-only once built.
///
/// `@unchecked Sendable`: never modified after creation; OpenSSL 3 guards the lazily computed extension
/// cache of an `X509` with its own lock, so concurrent readers are safe.
final class X509Certificate: @unchecked Sendable {
    /// Borrowed by `CertificateBuilder` (issuer name, key identifier); owned (and freed) here.
    let pointer: OpaquePointer

    /// Takes ownership of `pointer`.
    init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { X509_free(pointer) }

    init(pem: String) throws {
        let certificate = try MemoryBIO.reading(pem) { bio in PEM_read_bio_X509(bio, nil, nil, nil) }
        guard let certificate else { throw OpenSSLError("PEM_read_bio_X509") }
        pointer = certificate
    }

    func pem() throws -> String {
        try MemoryBIO.writing("PEM_write_bio_X509") { PEM_write_bio_X509($0, pointer) }
    }

    /// The serial number as upper-case hex (as `openssl x509 -serial` shows it).
    func serialHex() throws -> String {
        guard let serial = X509_get0_serialNumber(pointer), let bn = ASN1_INTEGER_to_BN(serial, nil) else {
            throw OpenSSLError("ASN1_INTEGER_to_BN")
        }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { throw OpenSSLError("BN_bn2hex") }
        defer { CRYPTO_free(hex, #fileID, #line) }
        return String(cString: hex)
    }

    var notBefore: Date? { Self.date(X509_get0_notBefore(pointer)) }
    var notAfter: Date? { Self.date(X509_get0_notAfter(pointer)) }

    var commonName: String? { subject(NID_commonName) }
    var organization: String? { subject(NID_organizationName) }

    /// The first value of `field` (`NID_commonName`, `NID_organizationName`) in the subject.
    func subject(_ field: Int32) -> String? {
        guard let name = X509_get_subject_name(pointer) else { return nil }
        let index = X509_NAME_get_index_by_NID(name, field, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) else {
            return nil
        }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else { return nil }
        defer { CRYPTO_free(utf8, #fileID, #line) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    /// Whether `issuer`'s key signed this certificate (a signature check only, not a chain validation).
    func isSigned(by issuer: X509Certificate) -> Bool {
        guard let key = X509_get0_pubkey(issuer.pointer) else { return false }
        let verified = X509_verify(pointer, key) == 1
        if !verified { ERR_clear_error() }
        return verified
    }

    private static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}
