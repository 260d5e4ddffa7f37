import Foundation
import HubCore
import Hummingbird
import Postgres
import Shared

/// `GET /api/automatedschedules/` (manual L25545-25648): schedules and policies in one read-only list.
/// Schedules first, then policies; a policy's `discovery_*` fields are null.
struct AutomatedSchedulesController: Sendable {
    let pool: PostgresPool
    let publicURL: PublicURL

    func addRoutes(to api: APIRouter) {
        api.get(
            "/api/automatedschedules/", access: .model("schedule"), tag: "schedules",
            summary: "Schedules and policies together.", paginated: true
        ) { request, context in
            let all = try await entries()
            return try await Paginated.respond(request, context, base: publicURL, count: { all.count }) { limit, offset in
                Array(all.dropFirst(offset).prefix(limit ?? all.count))
            }
        }
    }

    private func entries() async throws -> [JSON] {
        var result: [JSON] = []
        let schedules = try await pool.query(
            """
            SELECT sc.id, sc.name, sc.enabled, s.name AS site_name, sc.managed_paths::text AS paths, sp.id AS space_id,
                   sp.name AS space_name, sc.minute, sc.hour, sc.day_of_week, sc.day_of_month, sc.month_of_year,
                   (SELECT w.definition->>'label' FROM schedule_workflows sw JOIN workflows w ON w.name = sw.workflow
                    WHERE sw.schedule_id = sc.id ORDER BY sw.id LIMIT 1) AS label
            FROM schedules sc JOIN sites s ON s.id = sc.site_id LEFT JOIN spaces sp ON sp.id = sc.space_id ORDER BY sc.id
            """)
        for row in schedules {
            let spaceID = try row.decode(Int64?.self, "space_id")
            result.append([
                "name": .string(try row.decode(String.self, "name")), "schedule_type": "workflow",
                "enabled": .bool(try row.decode(Bool.self, "enabled")), "site_name": .string(try row.decode(String.self, "site_name")),
                "spaces": .array(spaceID.map { id in [["id": .int(id), "name": JSON(try? row.decode(String?.self, "space_name"))]] } ?? []),
                "discovery_name": .string(try row.decode(String.self, "name")), "discovery_id": .int(try row.decode(Int64.self, "id")),
                "discovery_managed_paths": JSON(try WireCoding.decode(JSONValue.self, from: Array(try row.decode(String.self, "paths").utf8))),
                "discovery_workflow": JSON(try row.decode(String?.self, "label")),
                "minute": .string(try row.decode(String.self, "minute")), "hour": .string(try row.decode(String.self, "hour")),
                "day_of_week": .string(try row.decode(String.self, "day_of_week")),
                "day_of_month": .string(try row.decode(String.self, "day_of_month")),
                "month_of_year": .string(try row.decode(String.self, "month_of_year")),
            ])
        }
        let spaceNames = Dictionary(
            uniqueKeysWithValues: try await pool.query("SELECT id, name FROM spaces").map { (try $0.decode(Int64.self, "id"), try $0.decode(String.self, "name")) })
        for row in try await pool.query(PolicyStore.select + " ORDER BY p.id") {
            let policy = try PolicyStore.row(row)
            let schedule = policy.definition.schedule
            result.append([
                "name": .string(policy.definition.name), "schedule_type": "policy", "enabled": .bool(policy.definition.enabled),
                "site_name": .string(policy.siteName),
                "spaces": .array(policy.definition.spaces.map { ["id": .int(Int64($0)), "name": JSON(spaceNames[Int64($0)])] }),
                "discovery_name": .null, "discovery_id": .null, "discovery_managed_paths": .null, "discovery_workflow": .null,
                "minute": JSON(schedule?.minute), "hour": JSON(schedule?.hour), "day_of_week": JSON(schedule?.dayOfWeek),
                "day_of_month": JSON(schedule?.dayOfMonth), "month_of_year": JSON(schedule?.monthOfYear),
            ])
        }
        return result
    }
}
