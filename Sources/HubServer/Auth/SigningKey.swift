import Foundation
import Logging
import Postgres

/// The hub's JWT signing key: generated once, kept in PostgreSQL so that every replica signs and
/// verifies with the same key, and survives restarts (tokens stay valid across them).
struct SigningKey: Sendable {
    let kid: String
    let key: RSAKey
    /// The public half as a JWK (RFC 7517), `kid` being its RFC 7638 thumbprint.
    let jwk: JSON

    init(key: RSAKey) throws {
        self.key = key
        let (modulus, exponent) = try key.publicComponents()
        let n = Base64URL.encode(modulus)
        let e = Base64URL.encode(exponent)
        // RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
        let thumbprintInput = #"{"e":"\#(e)","kty":"RSA","n":"\#(n)"}"#
        kid = Base64URL.encode(Digest.sha256(Array(thumbprintInput.utf8)))
        jwk = ["alg": "RS256", "e": .string(e), "kid": .string(kid), "kty": "RSA", "n": .string(n), "use": "sig"]
    }

    /// The active key, creating it on first start. Replicas racing to create it all end up with the one
    /// that won the insert (a unique index allows one active key).
    static func loadOrCreate(pool: PostgresPool, logger: Logger) async throws -> SigningKey {
        if let existing = try await loadActive(pool: pool) { return existing }
        let generated = try SigningKey(key: try RSAKey.generate(bits: 2048))
        let pem = try generated.key.privateKeyPEM()
        let inserted = try await pool.execute(
            "INSERT INTO auth_signing_key (kid, private_key_pem) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            [.string(generated.kid), .string(pem)])
        if inserted == 1 { logger.info("generated the JWT signing key \(generated.kid)") }
        guard let active = try await loadActive(pool: pool) else {
            throw PostgresError(code: .protocolViolation, message: "no active JWT signing key after creating one")
        }
        return active
    }

    private static func loadActive(pool: PostgresPool) async throws -> SigningKey? {
        let rows = try await pool.query("SELECT private_key_pem FROM auth_signing_key WHERE retired IS NULL", [])
        guard let row = rows.first else { return nil }
        return try SigningKey(key: try RSAKey(privateKeyPEM: try row.decode(String.self, "private_key_pem")))
    }
}
