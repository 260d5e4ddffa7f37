import Foundation
import HubCore
import Postgres
import Shared

/// Sites and worker nodes as heartbeats report them.
struct NodeStore: Sendable {
    let pool: PostgresPool

    /// Registers the heartbeat's site (sites appear when a worker of an unknown site reports, as the
    /// manual describes) and upserts its node. An older heartbeat than the stored one changes nothing, so
    /// replays and out-of-order delivery are harmless.
    func record(_ beat: Heartbeat) async throws {
        let queues = String(decoding: try WireCoding.encode(beat.queues), as: UTF8.self)
        try await pool.transaction { conn in
            let siteRows = try conn.query(
                """
                INSERT INTO sites (name, label) VALUES ($1, $1)
                ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
                RETURNING id
                """, [.string(beat.site)])
            // INSERT ... ON CONFLICT DO UPDATE ... RETURNING always yields the row.
            let siteID = try siteRows.decodeColumn(Int64.self, "id").first ?? 0
            try conn.execute(
                """
                INSERT INTO nodes (site_id, name, software_version, queues, plugin_tasks, last_heartbeat,
                                   heartbeat_ttl, process_started, filesystems)
                VALUES ($1, $2, $3, $4::jsonb, $5::text[], $6, $7, $8, $9::jsonb)
                ON CONFLICT (site_id, name) DO UPDATE SET
                    software_version = EXCLUDED.software_version, queues = EXCLUDED.queues,
                    plugin_tasks = EXCLUDED.plugin_tasks, last_heartbeat = EXCLUDED.last_heartbeat,
                    heartbeat_ttl = EXCLUDED.heartbeat_ttl, process_started = EXCLUDED.process_started,
                    filesystems = COALESCE(EXCLUDED.filesystems, nodes.filesystems)
                WHERE nodes.last_heartbeat <= EXCLUDED.last_heartbeat
                """,
                [
                    .int64(siteID), .string(beat.node), .string(beat.softwareVersion), .json(queues),
                    .array(beat.pluginTasks), .date(beat.sent), .int(beat.ttl), .date(beat.started),
                    try beat.filesystems.map { try .json(encoding: $0) },
                ])
            // Its queues: registered or refreshed; a removed queue only has its heartbeat noted, so that it
            // expires once heartbeats stop (L10062-10064), and is not shown again before that.
            let active = beat.queues.filter { !$0.functions.isEmpty }.map(\.queue)
            if !active.isEmpty {
                try conn.execute(
                    """
                    INSERT INTO queues (site_id, name, label, last_heartbeat)
                    SELECT $1, q, q, now() FROM unnest($2::text[]) AS q
                    ON CONFLICT (site_id, name) DO UPDATE SET last_heartbeat = now()
                    """, [.int64(siteID), .array(active)])
            }
        }
    }

    /// Every known site name.
    func siteNames() async throws -> [String] {
        try await pool.query("SELECT name FROM sites ORDER BY name", []).map { try $0.decode(String.self, "name") }
    }

    /// Every node with its latest heartbeat.
    func nodes() async throws -> [NodeStatus] {
        let rows = try await pool.query(
            """
            SELECT n.name, s.name AS site, n.last_heartbeat, n.heartbeat_ttl, n.software_version, n.queues::text AS queues
            FROM nodes n JOIN sites s ON s.id = n.site_id
            ORDER BY s.name, n.name
            """, [])
        return try rows.map { row in
            let queuesJSON = try row.decode(String.self, "queues")
            let queues = (try? WireCoding.decode([Heartbeat.Queue].self, from: Array(queuesJSON.utf8))) ?? []
            return NodeStatus(
                name: try row.decode(String.self, "name"), site: try row.decode(String.self, "site"),
                lastHeartbeat: try row.decode(Date.self, "last_heartbeat"),
                ttl: try row.decode(Int.self, "heartbeat_ttl"),
                softwareVersion: try row.decode(String.self, "software_version"),
                queues: queues.filter { !$0.functions.isEmpty }.map(\.queue))
        }
    }
}
