import HTTPTypes
import Postgres

/// Client keys in PostgreSQL: the prefix and a hash, never the key itself.
struct ClientKeyStore: Sendable {
    let pool: PostgresPool

    struct Record: Sendable, Equatable {
        var id: Int64
        var name: String
        var username: String

        func json(base: String) -> JSON {
            ["url": .string("\(base)/api/auth/clientkeys/\(id)/"), "id": .int(id), "name": .string(name), "user": .string(username)]
        }
    }

    private static let select = "SELECT k.id, k.name, u.username FROM auth_client_key k JOIN auth_user u ON u.id = k.user_id"

    private static func decode(_ row: PostgresRow) throws -> Record {
        Record(id: try row.decode(Int64.self, "id"), name: try row.decode(String.self, "name"), username: try row.decode(String.self, "username"))
    }

    /// `owner` nil = every key (administrators); otherwise only that user's (AMB-06).
    func count(owner: Int64?) async throws -> Int {
        try await pool.query(
            "SELECT count(*) AS n FROM auth_client_key WHERE $1::bigint IS NULL OR user_id = $1", [owner.map { .int64($0) }]
        ).first?.decode(Int.self, "n") ?? 0
    }

    func list(owner: Int64?, limit: Int?, offset: Int) async throws -> [Record] {
        try await pool.query(
            Self.select + " WHERE $1::bigint IS NULL OR k.user_id = $1 ORDER BY k.id LIMIT $2 OFFSET $3",
            [owner.map { .int64($0) }, limit.map { .int($0) }, .int(offset)]
        ).map(Self.decode)
    }

    func find(id: Int64, owner: Int64?) async throws -> Record? {
        try await pool.query(
            Self.select + " WHERE k.id = $1 AND ($2::bigint IS NULL OR k.user_id = $2)", [.int64(id), owner.map { .int64($0) }]
        ).first.map(Self.decode)
    }

    /// Creates a key for `userID`; returns it with the key text, which is not stored and cannot be read again.
    func create(userID: Int64, name: String) async throws -> (record: Record, key: String) {
        for _ in 0..<5 {
            let generated = try ClientKeyCodec.generate()
            do {
                let rows = try await pool.query(
                    """
                    WITH k AS (INSERT INTO auth_client_key (user_id, name, prefix, hashed_key) VALUES ($1, $2, $3, $4) RETURNING id, name, user_id)
                    SELECT k.id, k.name, u.username FROM k JOIN auth_user u ON u.id = k.user_id
                    """, [.int64(userID), .string(name), .string(generated.prefix), .string(generated.hashed)])
                guard let row = rows.first else { break }
                return (try Self.decode(row), generated.key)
            } catch let error as PostgresError where error.isUniqueViolation {
                continue  // a prefix collision (1 in 62^8): draw again
            }
        }
        throw APIError(status: .internalServerError, detail: "A server error occurred.")
    }

    func rename(id: Int64, name: String) async throws {
        try await pool.execute("UPDATE auth_client_key SET name = $2 WHERE id = $1", [.int64(id), .string(name)])
    }

    func delete(id: Int64) async throws -> Bool {
        try await pool.execute("DELETE FROM auth_client_key WHERE id = $1", [.int64(id)]) > 0
    }
}
