import Foundation
import Postgres

/// The PKI's rows in PostgreSQL: the certificate lifetime and the record of issued certificates.
struct PKIStore: Sendable {
    let pool: PostgresPool

    struct Lifetime: Sendable, Equatable {
        var days: Int
        var updatedAt: Date
        var updatedBy: Int64?
    }

    struct Issued: Sendable, Equatable {
        var id: Int64
        var serial: String
        var site: String
        var node: String
        var notBefore: Date
        var notAfter: Date
        var issuedBy: Int64?
        var created: Date
    }

    /// The manual's bounds: at least a day, at most the default of 100 years.
    static let lifetimeRange = 1...36500

    func lifetime() async throws -> Lifetime {
        guard let row = try await pool.query("SELECT days, updated_at, updated_by FROM pki_certificate_lifetime WHERE id = 1").first
        else { throw PostgresError(code: .protocolViolation, message: "pki_certificate_lifetime has no row 1") }
        return Lifetime(
            days: try row.decode(Int.self, "days"), updatedAt: try row.decode(Date.self, "updated_at"),
            updatedBy: try row.decode(Int64?.self, "updated_by"))
    }

    /// Sets the lifetime; it applies to the next certificate issued, on every replica, without a restart.
    func setLifetime(days: Int, by user: Int64?) async throws -> Lifetime {
        _ = try await pool.execute(
            "UPDATE pki_certificate_lifetime SET days = $1, updated_at = now(), updated_by = $2 WHERE id = 1",
            [.int(days), user.map(PostgresBind.int64)])
        return try await lifetime()
    }

    func siteExists(_ name: String) async throws -> Bool {
        try await pool.query("SELECT 1 FROM sites WHERE name = $1", [.string(name)]).first != nil
    }

    func record(serial: String, site: String, node: String, notBefore: Date, notAfter: Date, by user: Int64?) async throws {
        _ = try await pool.execute(
            """
            INSERT INTO pki_certificate (serial, site, node, not_before, not_after, issued_by)
            VALUES ($1, $2, $3, $4, $5, $6)
            """,
            [.string(serial), .string(site), .string(node), .date(notBefore), .date(notAfter), user.map(PostgresBind.int64)])
    }

    func issuedCount(site: String?) async throws -> Int {
        try await pool.query("SELECT count(*) AS n FROM pki_certificate WHERE $1::text IS NULL OR site = $1", [site.map(PostgresBind.string)])
            .first?.decode(Int.self, "n") ?? 0
    }

    func issued(site: String?, limit: Int?, offset: Int) async throws -> [Issued] {
        let rows = try await pool.query(
            """
            SELECT id, serial, site, node, not_before, not_after, issued_by, created FROM pki_certificate
            WHERE $1::text IS NULL OR site = $1 ORDER BY id LIMIT $2 OFFSET $3
            """, [site.map(PostgresBind.string), limit.map(PostgresBind.int), .int(offset)])
        return try rows.map { row in
            Issued(
                id: try row.decode(Int64.self, "id"), serial: try row.decode(String.self, "serial"),
                site: try row.decode(String.self, "site"), node: try row.decode(String.self, "node"),
                notBefore: try row.decode(Date.self, "not_before"), notAfter: try row.decode(Date.self, "not_after"),
                issuedBy: try row.decode(Int64?.self, "issued_by"), created: try row.decode(Date.self, "created"))
        }
    }
}
