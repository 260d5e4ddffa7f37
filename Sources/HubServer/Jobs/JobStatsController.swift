import Foundation
import Hummingbird
import Postgres
import Shared

/// `/api/jobstats/` (manual L14517-14598): per-path results of jobs. A job stat is one file's outcome in
/// one step task; the list shows the latest step per job and path (`task`: the latest related task), or
/// every step with `history=true`; `/{id}/history/` lists the steps of that job and path.
struct JobStatsController: Sendable {
    let pool: PostgresPool
    let publicURL: PublicURL

    private static let columns = "f.id, f.job_id, f.task_id, f.path, f.state, f.message"

    func addRoutes(to api: APIRouter) {
        let tag = "jobstats"
        api.get(
            "/api/jobstats/", access: .model("jobstat"), tag: tag, summary: "Per-path job results.", paginated: true,
            query: [.string("state"), .string("job"), .string("path"), .string("history")]
        ) { request, context in
            let query = QueryString(request.uri.query)
            let (clause, binds) = try Self.filter(query)
            let history = ["true", "1", "yes"].contains(query["history"]?.lowercased() ?? "")
            // Without history: the latest step (highest task id) of each job and path, and within a task
            // the latest report (a running task's streamed sets may name a path twice until its result).
            let source = history
                ? "SELECT \(Self.columns) FROM task_files f \(clause)"
                : "SELECT DISTINCT ON (f.job_id, f.path) \(Self.columns) FROM task_files f \(clause) ORDER BY f.job_id, f.path, f.task_id DESC, f.id DESC"
            let base = publicURL.base(for: request)
            return try await Paginated.respond(
                request, context, base: publicURL,
                count: { try await pool.query("SELECT count(*) AS n FROM (\(source)) s", binds).decodeColumn(Int.self, "n").first ?? 0 }
            ) { limit, offset in
                try await pool.query(
                    "SELECT * FROM (\(source)) s ORDER BY s.id LIMIT $\(binds.count + 1) OFFSET $\(binds.count + 2)",
                    binds + [limit.map { .int($0) }, .int(offset)]
                ).map { try Self.json($0, base: base) }
            }
        }
        api.get("/api/jobstats/{id}/", access: .model("jobstat"), tag: tag, summary: "One job stat.") { request, context in
            JSONResponse(try Self.json(try await load(context), base: publicURL.base(for: request)))
        }
        api.get(
            "/api/jobstats/{id}/history/", access: .model("jobstat"), tag: tag,
            summary: "Every step's outcome for the job stat's job and path.", paginated: true
        ) { request, context in
            let stat = try await load(context)
            let job = try stat.decode(Int64.self, "job_id")
            let path = try stat.decode(String.self, "path")
            let base = publicURL.base(for: request)
            let condition = "f.step AND f.task_id IN (SELECT id FROM tasks WHERE job_id = $1) AND f.path = $2"
            return try await Paginated.respond(
                request, context, base: publicURL,
                count: {
                    try await pool.query("SELECT count(*) AS n FROM task_files f WHERE \(condition)", [.int64(job), .string(path)])
                        .decodeColumn(Int.self, "n").first ?? 0
                }
            ) { limit, offset in
                try await pool.query(
                    "SELECT \(Self.columns) FROM task_files f WHERE \(condition) ORDER BY f.task_id LIMIT $3 OFFSET $4",
                    [.int64(job), .string(path), limit.map { .int($0) }, .int(offset)]
                ).map { try Self.json($0, base: base) }
            }
        }
    }

    private static func filter(_ query: QueryString) throws -> (String, [PostgresBind?]) {
        var clauses = ["f.step"]
        var binds: [PostgresBind?] = []
        let states = try query.list("state").compactMap { try JobsController.fileState($0, parameter: "state") }
        if !states.isEmpty {
            binds.append(.array(states))
            clauses.append("f.state = ANY($\(binds.count)::text[])")
        }
        if let job = query["job"], !job.isEmpty {
            guard let id = Int64(job) else { throw APIError.invalid("job", "A valid integer is required.") }
            binds.append(.int64(id))
            clauses.append("f.task_id IN (SELECT id FROM tasks WHERE job_id = $\(binds.count))")
        }
        if let path = query["path"], !path.isEmpty {
            binds.append(.string(path))
            clauses.append("f.path = $\(binds.count)")
        }
        return ("WHERE " + clauses.joined(separator: " AND "), binds)
    }

    private func load(_ context: HubRequestContext) async throws -> PostgresRow {
        guard let text = context.pathParameter("id"), let id = Int64(text),
            // The set's id narrows the search to one row of `task_file_sets` (ids: FileSets.perSet).
            let row = try await pool.query(
                "SELECT \(Self.columns) FROM task_files f WHERE f.step AND f.set_id = $1 AND f.id = $2",
                [.int64(id / Int64(FileSets.perSet)), .int64(id)]
            ).first
        else { throw APIError.notFound("JobStat") }
        return row
    }

    /// `{url, id, job, task, path, state, code, message}`: `state` in the manual's words (failed), `code`
    /// the wire's key (failures).
    private static func json(_ row: PostgresRow, base: String) throws -> JSON {
        let id = try row.decode(Int64.self, "id")
        let code = try row.decode(String.self, "state")
        return [
            "url": .string("\(base)/api/jobstats/\(id)/"), "id": .int(id), "job": .int(try row.decode(Int64.self, "job_id")),
            "task": .int(try row.decode(Int64.self, "task_id")), "path": .string(try row.decode(String.self, "path")),
            "state": .string(code == "failures" ? "failed" : code), "code": .string(code),
            "message": JSON(try row.decode(String?.self, "message")),
        ]
    }
}
