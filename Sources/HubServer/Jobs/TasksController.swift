import Foundation
import HubCore
import Hummingbird
import Postgres
import Shared

/// `/api/tasks/` (manual L16903-16969): the tasks of jobs, read-only.
struct TasksController: Sendable {
    let pool: PostgresPool
    let publicURL: PublicURL

    private static let select = """
        SELECT id, task_id, job_id, name, kind, site, queue, state, attempt, parent_id, started, finished,
               input::text AS input, input_total, summary::text AS summary, error, node, logs::text AS logs,
               kwargs::text AS kwargs, subdag_id
        FROM tasks
        """

    func addRoutes(to api: APIRouter) {
        let tag = "tasks"
        api.get(
            "/api/tasks/", access: .model("task"), tag: tag, summary: "List tasks.", paginated: true,
            query: [.string("tasktype"), .string("task_id"), .string("state"), .string("job_id")]
        ) { request, context in
            let (clause, binds) = try Self.filter(QueryString(request.uri.query))
            let base = publicURL.base(for: request)
            return try await Paginated.respond(
                request, context, base: publicURL,
                count: { try await pool.query("SELECT count(*) AS n FROM tasks \(clause)", binds).decodeColumn(Int.self, "n").first ?? 0 }
            ) { limit, offset in
                try await pool.query(
                    Self.select + " \(clause) ORDER BY id LIMIT $\(binds.count + 1) OFFSET $\(binds.count + 2)",
                    binds + [limit.map { .int($0) }, .int(offset)]
                ).map { try Self.json($0, base: base, detail: false) }
            }
        }
        api.get("/api/tasks/{id}/", access: .model("task"), tag: tag, summary: "One task with its result.") { request, context in
            let row = try await load(context)
            return JSONResponse(try Self.json(row, base: publicURL.base(for: request), detail: true))
        }
        api.get(
            "/api/tasks/{id}/files/", access: .model("task"), tag: tag, summary: "The task's per-file outcomes.", paginated: true,
            query: [.string("state")]
        ) { request, context in
            let task = try await load(context).decode(Int64.self, "id")
            let state = try JobsController.fileState(QueryString(request.uri.query)["state"], parameter: "state")
            let binds: [PostgresBind?] = [.int64(task), state.map { .string($0) }]
            let condition = "task_id = $1 AND ($2::text IS NULL OR state = $2)"
            return try await Paginated.respond(
                request, context, base: publicURL,
                count: { try await pool.query("SELECT count(*) AS n FROM task_files WHERE \(condition)", binds).decodeColumn(Int.self, "n").first ?? 0 }
            ) { limit, offset in
                try await pool.query(
                    "SELECT path, state, size, message FROM task_files WHERE \(condition) ORDER BY path LIMIT $3 OFFSET $4",
                    binds + [limit.map { .int($0) }, .int(offset)]
                ).map { row in
                    [
                        "path": .string(try row.decode(String.self, "path")), "state": .string(try row.decode(String.self, "state")),
                        "size": JSON(try row.decode(Int64?.self, "size")), "message": JSON(try row.decode(String?.self, "message")),
                    ]
                }
            }
        }
    }

    private static func filter(_ query: QueryString) throws -> (String, [PostgresBind?]) {
        var clauses: [String] = []
        var binds: [PostgresBind?] = []
        if let type = query["tasktype"], !type.isEmpty {
            binds.append(.string(type))
            clauses.append("name = $\(binds.count)")
        }
        if let id = query["task_id"], !id.isEmpty {
            binds.append(.string(id))
            clauses.append("task_id = $\(binds.count)")
        }
        let states = query.list("state").map { $0.uppercased() }
        if !states.isEmpty {
            for state in states where TaskState(rawValue: state) == nil {
                throw APIError.invalid("state", "Select a valid choice. \(state) is not one of the available choices.")
            }
            binds.append(.array(states))
            clauses.append("state = ANY($\(binds.count)::text[])")
        }
        if let job = query["job_id"], !job.isEmpty {
            guard let id = Int64(job) else { throw APIError.invalid("job_id", "A valid integer is required.") }
            binds.append(.int64(id))
            clauses.append("job_id = $\(binds.count)")
        }
        return (clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "), binds)
    }

    private func load(_ context: HubRequestContext) async throws -> PostgresRow {
        guard let text = context.pathParameter("id"), let id = Int64(text),
            let row = try await pool.query(Self.select + " WHERE id = $1", [.int64(id)]).first
        else { throw APIError.notFound("Task") }
        return row
    }

    /// The manual's task object: list form, and the detail form with `paths`, `result`, `runtime`.
    private static func json(_ row: PostgresRow, base: String, detail: Bool) throws -> JSON {
        let id = try row.decode(Int64.self, "id")
        let started = try row.decode(Date?.self, "started")
        let finished = try row.decode(Date?.self, "finished")
        let parent = try row.decode(Int64?.self, "parent_id")
        let isDynamic = try row.decode(Int64?.self, "subdag_id") != nil
        var members: [(String, JSON)] = [
            ("url", .string("\(base)/api/tasks/\(id)/")), ("id", .int(id)), ("task_id", .string(try row.decode(String.self, "task_id"))),
            ("job", .int(try row.decode(Int64.self, "job_id"))), ("tasktype", .string(try row.decode(String.self, "name"))),
            ("site", .string(try row.decode(String.self, "site"))), ("queue", .string(try row.decode(String.self, "queue"))),
            ("state", .string(try row.decode(String.self, "state"))), ("started", JSON(started)),
            // A sub-DAG's task was added by the task that submitted the graph: a dynamic parent (manual L16926).
            ("parents", isDynamic ? .array([]) : parent.map { .array([.int($0)]) } ?? .array([])),
            ("dynamic_parents", isDynamic ? parent.map { .array([.int($0)]) } ?? .array([]) : .array([])),
            ("attempt", .int(Int64(try row.decode(Int.self, "attempt")))), ("node", JSON(try row.decode(String?.self, "node"))),
        ]
        if detail {
            let input = try WireCoding.decode([PathItem].self, from: Array(try row.decode(String.self, "input").utf8))
            let summary = try row.decode(String?.self, "summary").map { try WireCoding.decode(JSONValue.self, from: Array($0.utf8)) }
            let logs = try row.decode(String?.self, "logs").map { try WireCoding.decode(JSONValue.self, from: Array($0.utf8)) }
            let kwargs = try WireCoding.decode(JSONValue.self, from: Array(try row.decode(String.self, "kwargs").utf8))
            members += [
                ("completed", JSON(finished)), ("friendly_name", .string(try row.decode(String.self, "name"))),
                ("paths", .array(input.map { .string($0.path) })),
                ("input_total", .int(Int64(try row.decode(Int.self, "input_total")))),
                ("kwargs", JSON(SiteSettingsStore.masked(kwargs))),
                ("result", .object([
                    .init(key: "summary", value: summary.map(JSON.init) ?? .null),
                    .init(key: "error", value: JSON(try row.decode(String?.self, "error"))),
                    .init(key: "logs", value: logs.map(JSON.init) ?? .null),
                ])),
                ("runtime", started.map { start in .double(max(0, (finished ?? Date()).timeIntervalSince(start))) } ?? .null),
            ]
        }
        return .object(members.map { JSON.Member(key: $0.0, value: $0.1) })
    }
}
