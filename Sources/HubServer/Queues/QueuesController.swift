import Foundation
import Hummingbird
import Postgres
import Shared

/// `/api/queues/` (manual L25935-26147): the queues workers registered, per site, read-only. Removed
/// queues (`ngeneahub manage remove_queue`) are not listed.
struct QueuesController: Sendable {
    let pool: PostgresPool
    let publicURL: PublicURL

    static let select = """
        SELECT q.id, q.name, q.label, q.last_heartbeat, s.id AS site_id, s.name AS site_name, s.label AS site_label,
               COALESCE((SELECT json_agg(json_build_object('id', n.id, 'name', n.name) ORDER BY n.id)
                         FROM nodes n WHERE n.site_id = q.site_id AND EXISTS (
                             SELECT 1 FROM jsonb_array_elements(n.queues) e WHERE e->>'queue' = q.name AND e->'functions' <> '{}'::jsonb)
                        )::text, '[]') AS nodes
        FROM queues q JOIN sites s ON s.id = q.site_id WHERE q.removed_at IS NULL
        """

    func addRoutes(to api: APIRouter) {
        api.get("/api/queues/", access: .model("queue"), tag: "queues", summary: "Queues by site, as workers registered them.", paginated: true) {
            request, context in
            try await Paginated.respond(request, context, base: publicURL, count: {
                try await pool.query("SELECT count(*) AS n FROM queues WHERE removed_at IS NULL").decodeColumn(Int.self, "n").first ?? 0
            }) { limit, offset in
                try await pool.query(Self.select + " ORDER BY s.id, q.name LIMIT $1 OFFSET $2", [limit.map { .int($0) }, .int(offset)])
                    .map(Self.json)
            }
        }
        api.get("/api/queues/{id}/", access: .model("queue"), tag: "queues", summary: "One queue.") { _, context in
            guard let text = context.pathParameter("id"), let id = Int64(text),
                let row = try await pool.query(Self.select + " AND q.id = $1", [.int64(id)]).first
            else { throw APIError.notFound("Queue") }
            return JSONResponse(try Self.json(row))
        }
    }

    static func json(_ row: PostgresRow) throws -> JSON {
        [
            "id": .int(try row.decode(Int64.self, "id")),
            "site": [
                "id": .int(try row.decode(Int64.self, "site_id")), "name": .string(try row.decode(String.self, "site_name")),
                "label": .string(try row.decode(String.self, "site_label")),
            ],
            "nodes": JSON(try WireCoding.decode(JSONValue.self, from: Array(try row.decode(String.self, "nodes").utf8))),
            "name": .string(try row.decode(String.self, "name")), "label": .string(try row.decode(String.self, "label")),
            "last_heartbeat": JSON(try row.decode(Date.self, "last_heartbeat")),
        ]
    }
}
