import HubCore
import Postgres
import Shared

/// `/api/configurations/` values in PostgreSQL. Read fresh on every use (one small query), so a change is
/// seen by the next job, health check or housekeeping round on every replica without a restart.
struct ConfigurationStore: Sendable {
    let pool: PostgresPool

    func load() async throws -> GlobalConfiguration {
        try await pool.withConnection { conn in try Self.load(on: conn) }
    }

    static func load(on conn: PostgresConnection) throws -> GlobalConfiguration {
        var stored: [String: JSONValue] = [:]
        for row in try conn.query("SELECT key, value FROM hub_configuration") {
            stored[try row.decode(String.self, "key")] = try row.decodeJSON(JSONValue.self, "value")
        }
        return GlobalConfiguration(stored: stored)
    }

    /// Stores validated changes (all or none) and returns the new configuration.
    func apply(_ changes: [String: JSONValue]) async throws -> GlobalConfiguration {
        try await pool.transaction { conn in
            for (key, value) in changes.sorted(by: { $0.key < $1.key }) {
                try conn.execute(
                    """
                    INSERT INTO hub_configuration (key, value) VALUES ($1, $2)
                    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
                    """, [.string(key), try .json(encoding: value)])
            }
            return try Self.load(on: conn)
        }
    }
}

extension GlobalConfiguration {
    /// The API form: every key in the documented order.
    var json: JSON {
        .object(Self.keys.map { JSON.Member(key: $0.name, value: JSON(values[$0.name] ?? .null)) })
    }
}
