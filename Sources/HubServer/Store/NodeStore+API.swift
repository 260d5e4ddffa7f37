import Foundation
import Postgres

/// The `/api/nodes/` view of the nodes table.
extension NodeStore {
    struct NodeRow: Sendable {
        var id: Int64
        var name: String
        var site: String
        var lastHeartbeat: Date
        var ttl: Int
        var queues: [String]

        /// `{url, id, name, site, online, has_default_queue, last_heartbeat}` (manual L24400-24555).
        func json(base: String, now: Date = Date()) -> JSON {
            [
                "url": .string("\(base)/api/nodes/\(id)/"), "id": .int(id), "name": .string(name), "site": .string(site),
                "online": .bool(now.timeIntervalSince(lastHeartbeat) <= Double(ttl)),
                "has_default_queue": .bool(queues.contains("default")), "last_heartbeat": JSON(lastHeartbeat),
            ]
        }
    }

    private static let select = """
        SELECT n.id, n.name, s.name AS site, n.last_heartbeat, n.heartbeat_ttl,
               ARRAY(SELECT q->>'queue' FROM jsonb_array_elements(n.queues) q WHERE q->'functions' <> '{}'::jsonb) AS queues
        FROM nodes n JOIN sites s ON s.id = n.site_id
        """

    private static func row(_ row: PostgresRow) throws -> NodeRow {
        NodeRow(
            id: try row.decode(Int64.self, "id"), name: try row.decode(String.self, "name"),
            site: try row.decode(String.self, "site"), lastHeartbeat: try row.decode(Date.self, "last_heartbeat"),
            ttl: try row.decode(Int.self, "heartbeat_ttl"), queues: try row.decode([String].self, "queues"))
    }

    func count() async throws -> Int {
        try await pool.query("SELECT count(*) AS n FROM nodes", []).decodeColumn(Int.self, "n").first ?? 0
    }

    /// Nodes ordered by site then name.
    func list(limit: Int?, offset: Int) async throws -> [NodeRow] {
        try await pool.query(Self.select + " ORDER BY s.name, n.name, n.id LIMIT $1 OFFSET $2", [limit.map { .int($0) }, .int(offset)])
            .map(Self.row)
    }

    func find(id: Int64) async throws -> NodeRow? {
        try await pool.query(Self.select + " WHERE n.id = $1", [.int64(id)]).map(Self.row).first
    }

    /// Applies a PATCH; nil leaves a field as it is. Returns false when the site name is unknown.
    func update(id: Int64, name: String?, site: String?, lastHeartbeat: Date?) async throws -> Bool {
        var siteID: Int64?
        if let site {
            guard let found = try await pool.query("SELECT id FROM sites WHERE name = $1", [.string(site)])
                .decodeColumn(Int64.self, "id").first
            else { return false }
            siteID = found
        }
        _ = try await pool.execute(
            """
            UPDATE nodes SET name = COALESCE($2, name), site_id = COALESCE($3, site_id),
                             last_heartbeat = COALESCE($4, last_heartbeat)
            WHERE id = $1
            """, [.int64(id), name.map { .string($0) }, siteID.map { .int64($0) }, lastHeartbeat.map { .date($0) }])
        return true
    }

    /// Deregisters a node; its next heartbeat registers it again (manual L24533).
    func delete(id: Int64) async throws -> Bool {
        try await pool.execute("DELETE FROM nodes WHERE id = $1", [.int64(id)]) > 0
    }
}
