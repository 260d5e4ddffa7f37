import COpenSSL
import Foundation
import Logging
import Postgres

/// The hub's root CA, which signs the client certificates of worker nodes (`ngenea-worker join`).
/// Generated once, on the first start of the first replica, and kept in PostgreSQL (`pki_ca`, one row)
/// so that every replica signs with the same key and the CA survives restarts, as `SigningKey` does.
struct CertificateAuthority: Sendable {
    let key: PKIKey
    let certificate: X509Certificate
    /// What `GET /api/pki/ca/` and enrolment hand out; the key never leaves the database and this process.
    let certificatePEM: String

    /// The root's subject and lifetime: a CA must outlive the longest certificate it issues (36500 days).
    static let subject = CertificateBuilder.Subject(commonName: "Ngenea Hub Root CA", organization: "Ngenea Hub")
    static let lifetimeDays = 36525

    init(key: PKIKey, certificate: X509Certificate) throws {
        guard X509_check_private_key(certificate.pointer, key.pointer) == 1 else {
            throw OpenSSLError("X509_check_private_key (the stored CA key does not match its certificate)")
        }
        self.key = key
        self.certificate = certificate
        certificatePEM = try certificate.pem()
    }

    /// A new key and self-signed root certificate.
    static func generate() throws -> CertificateAuthority {
        let key = try PKIKey.generateEC()
        return try CertificateAuthority(
            key: key, certificate: try CertificateBuilder.selfSignedRoot(key: key, subject: subject, days: lifetimeDays))
    }

    /// The stored CA, creating it when there is none. Replicas racing to create it all end up with the one
    /// whose insert won (the table holds one row).
    static func loadOrCreate(pool: PostgresPool, logger: Logger) async throws -> CertificateAuthority {
        if let existing = try await load(pool: pool) { return existing }
        let generated = try generate()
        let inserted = try await pool.execute(
            "INSERT INTO pki_ca (id, certificate_pem, private_key_pem) VALUES (1, $1, $2) ON CONFLICT DO NOTHING",
            [.string(generated.certificatePEM), .string(try generated.key.privateKeyPEM())])
        if inserted == 1 {
            logger.info("generated the hub's certificate authority (serial \((try? generated.certificate.serialHex()) ?? "?"))")
        }
        guard let stored = try await load(pool: pool) else {
            throw PostgresError(code: .protocolViolation, message: "no certificate authority after creating one")
        }
        return stored
    }

    private static func load(pool: PostgresPool) async throws -> CertificateAuthority? {
        guard let row = try await pool.query("SELECT certificate_pem, private_key_pem FROM pki_ca WHERE id = 1", []).first else {
            return nil
        }
        return try CertificateAuthority(
            key: try PKIKey(privateKeyPEM: try row.decode(String.self, "private_key_pem")),
            certificate: try X509Certificate(pem: try row.decode(String.self, "certificate_pem")))
    }

    /// Signs a client certificate for `node` of `site` (CN = node, O = site, clientAuth) valid for `days`.
    func issue(_ request: CertificateRequest, site: String, node: String, days: Int) throws -> X509Certificate {
        guard let publicKey = request.publicKey else { throw OpenSSLError("X509_REQ_get0_pubkey") }
        return try CertificateBuilder.clientCertificate(
            publicKey: publicKey, subject: .init(commonName: node, organization: site), days: days, issuer: certificate,
            issuerKey: key)
    }
}

/// The CA of this process, loaded once. Warmed at start so that the first hub to start creates it;
/// a failure then (database briefly away) is retried by the first request that needs it.
actor CertificateAuthorityCache {
    private let pool: PostgresPool
    private let logger: Logger
    private var authority: CertificateAuthority?

    init(pool: PostgresPool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    func get() async throws -> CertificateAuthority {
        if let authority { return authority }
        let loaded = try await CertificateAuthority.loadOrCreate(pool: pool, logger: logger)
        authority = loaded
        return loaded
    }
}
