import Foundation
import HubCore
import Hummingbird
import Postgres
import Shared

/// `/api/schedules/` and `/api/schedules/{id}/workflows/` (manual spec/04 section 26, spec/01 section 10).
struct SchedulesController: Sendable {
    let store: ScheduleStore
    let scheduler: Scheduler
    let publicURL: PublicURL

    func addRoutes(to api: APIRouter) {
        let tag = "schedules"
        api.get(
            "/api/schedules/", access: .model("schedule"), tag: tag, summary: "List schedules.", paginated: true,
            query: [.integer("site_id"), .integer("space_id")]
        ) { request, context in
            let query = QueryString(request.uri.query)
            let site = try Self.optionalID(query, "site_id"), space = try Self.optionalID(query, "space_id")
            return try await Paginated.respond(request, context, base: publicURL, count: { try await store.count(site: site, space: space) }) { limit, offset in
                let base = publicURL.base(for: request)
                return try await store.list(limit: limit, offset: offset, site: site, space: space).map { try Self.json($0, base: base) }
            }
        }
        api.post("/api/schedules/", access: .model("schedule"), tag: tag, summary: "Create a schedule.", body: Self.body) { request, _ in
            let id = try await store.save(try ScheduleInput(try await RequestJSON.json(request), creating: true), id: nil)
            return JSONResponse(status: .created, try await detail(id, request))
        }
        api.get("/api/schedules/{id}/", access: .model("schedule"), tag: tag, summary: "One schedule.") { request, context in
            JSONResponse(try await detail(try Self.id(context), request))
        }
        api.patch("/api/schedules/{id}/", access: .model("schedule"), tag: tag, summary: "Change a schedule.", body: Self.body) {
            request, context in
            let id = try Self.id(context)
            _ = try await store.save(try ScheduleInput(try await RequestJSON.json(request), creating: false), id: id)
            return JSONResponse(try await detail(id, request))
        }
        api.delete("/api/schedules/{id}/", access: .model("schedule"), tag: tag, summary: "Delete a schedule.") { _, context in
            guard try await store.delete(id: try Self.id(context)) else { throw APIError.notFound("Schedule") }
            return JSONResponse.noContent
        }
        api.post(
            "/api/schedules/{id}/run/", access: .permission("change_schedule"), tag: tag, summary: "Run a schedule now."
        ) { request, context in
            let id = try Self.id(context)
            guard let row = try await store.find(id: id) else { throw APIError.notFound("Schedule") }
            let jobs = try await scheduler.fire(try Scheduler.Due(row: row, due: Date()), manual: true)
            guard case .object(var members) = try await detail(id, request) else { throw APIError.notFound("Schedule") }
            members.append(.init(key: "jobs", value: .array(jobs.map(JSON.int))))
            return JSONResponse(status: .created, .object(members))
        }

        // The manual names the parent `{parent_lookup_schedule}`; Hummingbird needs one name per position.
        let nested = "/api/schedules/{id}/workflows/"
        api.get(nested, access: .model("schedule"), tag: tag, summary: "The workflows a schedule runs.", paginated: true) {
            request, context in
            let schedule = try Self.id(context)
            guard try await store.find(id: schedule) != nil else { throw APIError.notFound("Schedule") }
            let rows = try await store.workflows(schedule: schedule)
            let base = publicURL.base(for: request)
            return try await Paginated.respond(request, context, base: publicURL, count: { rows.count }) { limit, offset in
                try rows.dropFirst(offset).prefix(limit ?? rows.count).map { try Self.workflowJSON($0, base: base) }
            }
        }
        api.post(
            nested, access: .model("schedule"), tag: tag, summary: "Add a workflow to a schedule.",
            body: [.string("workflow", required: true), .string("site", required: true), .string("queue"), .object("fields")]
        ) { request, context in
            let schedule = try Self.id(context)
            let id = try await store.saveWorkflow(try ScheduleWorkflowInput(try await RequestJSON.json(request), creating: true), schedule: schedule, id: nil)
            return JSONResponse(status: .created, try await workflowDetail(id, schedule: schedule, request))
        }
        api.get(nested + "{workflow_id}/", access: .model("schedule"), tag: tag, summary: "One workflow of a schedule.") { request, context in
            JSONResponse(try await workflowDetail(try Self.id(context, "workflow_id", model: "ScheduleWorkflow"), schedule: try Self.id(context), request))
        }
        api.patch(
            nested + "{workflow_id}/", access: .model("schedule"), tag: tag, summary: "Change a workflow of a schedule.",
            body: [.string("workflow"), .string("site"), .string("queue"), .object("fields")]
        ) { request, context in
            let schedule = try Self.id(context), id = try Self.id(context, "workflow_id", model: "ScheduleWorkflow")
            _ = try await store.saveWorkflow(try ScheduleWorkflowInput(try await RequestJSON.json(request), creating: false), schedule: schedule, id: id)
            return JSONResponse(try await workflowDetail(id, schedule: schedule, request))
        }
        api.delete(nested + "{workflow_id}/", access: .model("schedule"), tag: tag, summary: "Remove a workflow from a schedule.") { _, context in
            guard try await store.deleteWorkflow(try Self.id(context, "workflow_id", model: "ScheduleWorkflow"), schedule: try Self.id(context)) else {
                throw APIError.notFound("ScheduleWorkflow")
            }
            return JSONResponse.noContent
        }
    }

    private func detail(_ id: Int64, _ request: Request) async throws -> JSON {
        guard let row = try await store.find(id: id) else { throw APIError.notFound("Schedule") }
        return try Self.json(row, base: publicURL.base(for: request))
    }

    private func workflowDetail(_ id: Int64, schedule: Int64, _ request: Request) async throws -> JSON {
        guard let row = try await store.workflow(id, schedule: schedule) else { throw APIError.notFound("ScheduleWorkflow") }
        return try Self.workflowJSON(row, base: publicURL.base(for: request))
    }

    static func json(_ row: PostgresRow, base: String) throws -> JSON {
        let id = try row.decode(Int64.self, "id")
        let calculator = try? Scheduler.calculator(row)
        let zone = try row.decode(String?.self, "timezone") ?? row.decode(String.self, "site_timezone")
        let spec = try? CronSpec(
            minute: try row.decode(String.self, "minute"), hour: try row.decode(String.self, "hour"),
            dayOfWeek: try row.decode(String.self, "day_of_week"), dayOfMonth: try row.decode(String.self, "day_of_month"),
            monthOfYear: try row.decode(String.self, "month_of_year"))
        let enabled = try row.decode(Bool.self, "enabled")
        return [
            "url": .string("\(base)/api/schedules/\(id)/"), "id": .int(id), "name": .string(try row.decode(String.self, "name")),
            "site": .string(try row.decode(String.self, "site_name")), "space": JSON(try row.decode(String?.self, "space_name")),
            "minute": .string(try row.decode(String.self, "minute")), "hour": .string(try row.decode(String.self, "hour")),
            "day_of_week": .string(try row.decode(String.self, "day_of_week")),
            "day_of_month": .string(try row.decode(String.self, "day_of_month")),
            "month_of_year": .string(try row.decode(String.self, "month_of_year")),
            "timezone": .string(zone), "discovery": JSON(try row.decode(String?.self, "discovery")),
            "discovery_options": try row.decode(String?.self, "options_json").flatMap { try? WireCoding.decode(JSONValue.self, from: Array($0.utf8)) }.map(JSON.init) ?? .null,
            "enabled": .bool(enabled),
            "managed_paths": JSON(try WireCoding.decode(JSONValue.self, from: Array(try row.decode(String.self, "paths_json").utf8))),
            "overlap": .string(try row.decode(String.self, "overlap")),
            "start_date_time": JSON(try row.decode(Date?.self, "start_date_time")),
            "first_occur": .bool(try row.decode(Bool.self, "first_occur")),
            "description": JSON(spec?.humanDescription(timeZoneIdentifier: zone)),
            "next_run": JSON(enabled ? calculator?.nextOccurrence(after: max(Date(), try row.decode(Date?.self, "last_due") ?? .distantPast)) : nil),
            "last_run": JSON(try row.decode(Date?.self, "last_due")),
        ]
    }

    static func workflowJSON(_ row: PostgresRow, base: String) throws -> JSON {
        let id = try row.decode(Int64.self, "id"), schedule = try row.decode(Int64.self, "schedule_id")
        return [
            "url": .string("\(base)/api/schedules/\(schedule)/workflows/\(id)/"), "id": .int(id),
            "workflow": .string(try row.decode(String.self, "workflow")), "site": .string(try row.decode(String.self, "site")),
            "queue": .string(try row.decode(String.self, "queue")),
            "fields": JSON(try WireCoding.decode(JSONValue.self, from: Array(try row.decode(String.self, "fields_json").utf8))),
        ]
    }

    static func id(_ context: HubRequestContext, _ name: String = "id", model: String = "Schedule") throws -> Int64 {
        guard let text = context.pathParameter(name), let id = Int64(text) else { throw APIError.notFound(model) }
        return id
    }

    static func optionalID(_ query: QueryString, _ key: String) throws -> Int64? {
        guard let text = query[key], !text.isEmpty else { return nil }
        guard let id = Int64(text) else { throw APIError.invalid(key, "A valid integer is required.") }
        return id
    }

    static let body: [FieldDoc] = [
        .string("name", required: true), .string("site", required: true, "The site's name."), .string("space"),
        .string("minute"), .string("hour"), .string("day_of_week", "0-6, 0 = Sunday"), .string("day_of_month"),
        .string("month_of_year"),
        .object("frequency", "Instead of the cron fields: {type: periodic, every, unit: minutes|hours, days} or {type: time, time: HH:MM, days}."),
        .string("timezone", "IANA zone; the site's when absent."), .string("discovery"),
        .object("discovery_options"), .boolean("enabled"), .array("managed_paths", of: "string"),
        .string("overlap", "allow or skip: what to do when the previous run still runs."), .string("start_date_time"),
        .boolean("first_occur", "Run once at creation."), .array("workflows", of: "object"),
    ]
}
