import Foundation
import Postgres

/// Queues registered by heartbeats (`NodeStore.record`) and their removal (L10019-10075).
struct QueueStore: Sendable {
    let pool: PostgresPool

    enum Removal: Equatable, Sendable {
        case removed
        case deleted
        case unknown
        /// `--offline-only` on a queue some node still consumes.
        case stillOnline
    }

    /// `remove_queue`: hides the queue and keeps it until it expires, so that heartbeats of a worker still
    /// running it do not bring it back. `offlineOnly`: deletes it at once when no live node consumes it
    /// (a worker restarted without it); it comes back if a worker starts it again.
    func remove(site: String, queue: String, offlineOnly: Bool, onlineWithin seconds: Int) async throws -> Removal {
        try await pool.transaction { conn in
            // The queue's row only (`OF q`): locking the site's row too, after the queue's, deadlocked with a
            // heartbeat, which upserts the site and then its queues.
            guard let id = try conn.query(
                "SELECT q.id FROM queues q JOIN sites s ON s.id = q.site_id WHERE s.name = $1 AND q.name = $2 FOR UPDATE OF q",
                [.string(site), .string(queue)]
            ).decodeColumn(Int64.self, "id").first else { return .unknown }
            guard offlineOnly else {
                try conn.execute("UPDATE queues SET removed_at = COALESCE(removed_at, now()) WHERE id = $1", [.int64(id)])
                return .removed
            }
            let online = try conn.query(
                """
                SELECT 1 FROM nodes n JOIN sites s ON s.id = n.site_id, jsonb_array_elements(n.queues) q
                WHERE s.name = $1 AND q->>'queue' = $2 AND q->'functions' <> '{}'::jsonb
                  AND n.last_heartbeat > now() - make_interval(secs => $3) LIMIT 1
                """, [.string(site), .string(queue), .double(Double(seconds))])
            guard online.isEmpty else { return .stillOnline }
            try conn.execute("DELETE FROM queues WHERE id = $1", [.int64(id)])
            return .deleted
        }
    }

    /// Deletes removed queues without a heartbeat for `seconds` (delete_removed_queues, L12574-12578).
    func expireRemoved(after seconds: Int) async throws -> Int {
        try await pool.execute(
            "DELETE FROM queues WHERE removed_at IS NOT NULL AND last_heartbeat < now() - make_interval(secs => $1)",
            [.double(Double(seconds))])
    }
}
