import Foundation
import HubCore
import Hummingbird
import Postgres
import Shared

/// `/api/jobs/` (manual L14295-14505) and `POST /api/file/workflow/` (L13840, L10597-10701).
struct JobsController: Sendable {
    let engine: WorkflowEngine
    let jobs: JobQueries
    let publicURL: PublicURL

    func addRoutes(to api: APIRouter) {
        let tag = "jobs"
        api.post("/api/file/workflow/", access: .model("job"), tag: "file", summary: "Run a workflow on paths, creating a job.") {
            request, context in
            try await submit(request, context)
        }
        api.post("/api/jobs/", access: .model("job"), tag: tag, summary: "Create a job (the body of POST /api/file/workflow/).") {
            request, context in
            try await submit(request, context)
        }
        api.get("/api/jobs/", access: .model("job"), tag: tag, summary: "List jobs, newest first.", paginated: true) {
            request, context in
            let filter = try JobFilter(QueryString(request.uri.query))
            let base = publicURL.base(for: request)
            return try await Paginated.respond(request, context, base: publicURL, count: { try await jobs.count(filter) }) {
                limit, offset in try await jobs.list(filter, limit: limit, offset: offset).map { $0.json(base: base) }
            }
        }
        api.get("/api/jobs/recent/", access: .model("job"), tag: tag, summary: "The five most recent jobs.", paginated: true) {
            request, context in
            let filter = try JobFilter(QueryString(nil))
            let base = publicURL.base(for: request)
            return try await Paginated.respond(request, context, base: publicURL, count: { min(5, try await jobs.count(filter)) }) {
                limit, offset in
                let window = max(0, min(limit ?? 5, 5 - offset))
                return try await jobs.list(filter, limit: window, offset: offset).map { $0.json(base: base) }
            }
        }
        api.get("/api/jobs/stats/", access: .model("job"), tag: tag, summary: "Job counts per state for the filters.") {
            request, _ in
            let filter = try JobFilter(QueryString(request.uri.query))
            var states: [JSON.Member] = []
            var total: Int64 = 0
            for row in try await engine.pool.query(
                "SELECT state, count(*) AS n FROM jobs j \(filter.whereClause()) GROUP BY state ORDER BY state", filter.binds)
            {
                let n = try row.decode(Int64.self, "n")
                total += n
                states.append(.init(key: try row.decode(String.self, "state"), value: .int(n)))
            }
            return JSONResponse(["total": .int(total), "states": .object(states)])
        }
        api.get("/api/jobs/jobtype_choices/", access: .model("job"), tag: tag, summary: "Job types (workflows) to filter by.", paginated: true) {
            request, context in
            try await Paginated.respond(request, context, base: publicURL, count: { try await engine.workflows.count() }) { limit, offset in
                try await engine.workflows.list(limit: limit, offset: offset).map {
                    ["value": .string($0.definition.name), "label": .string($0.definition.label)]
                }
            }
        }
        api.get("/api/jobs/{id}/", access: .model("job"), tag: tag, summary: "One job, with its tasks and file counts.") {
            request, context in
            JSONResponse(try await detail(try jobID(context), base: publicURL.base(for: request)))
        }
        api.patch("/api/jobs/{id}/", access: .model("job"), tag: tag, summary: "Rename a job.", body: [.string("friendly_name")]) {
            request, context in
            let id = try jobID(context)
            _ = try await load(id)
            var reader = try await RequestJSON.fields(request)
            let name = reader.string("friendly_name", allowBlank: false, maxLength: 1000)
            try reader.validate()
            if let name {
                _ = try await engine.pool.execute(
                    "UPDATE jobs SET friendly_name = $2, modified = now() WHERE id = $1", [.int64(id), .string(name)])
            }
            return JSONResponse(try await detail(id, base: publicURL.base(for: request)))
        }
        api.delete("/api/jobs/{id}/", access: .model("job"), tag: tag, summary: "Delete a finished job and its records.") {
            _, context in
            let job = try await load(try jobID(context))
            guard JobState(rawValue: job.state)?.isFinal == true else {
                throw APIError.badRequest("Job \(job.id) is \(job.state); cancel it and wait for it to finish before deleting it.")
            }
            _ = try await engine.pool.execute("DELETE FROM jobs WHERE id = $1", [.int64(job.id)])
            return JSONResponse.noContent
        }
        for control in [WorkflowEngine.Control.cancel, .pause, .resume] {
            // Controls change a job: `change_job`, although they are POSTs (which would ask for add_job).
            api.post(
                "/api/jobs/{id}/\(control.rawValue)/", access: .permission("change_job"), tag: tag,
                summary: "\(control.rawValue.capitalized) the job."
            ) { request, context in
                let id = try jobID(context)
                _ = try await engine.control(control, job: id)
                return JSONResponse(status: .created, try await detail(id, base: publicURL.base(for: request)))
            }
        }
        api.post("/api/jobs/{id}/resubmit/", access: .model("job"), tag: tag, summary: "Run a finished job's submission again as a new job.") {
            request, context in
            let id = try jobID(context)
            let owner = try context.requireIdentity().userID
            guard let fresh = try await engine.resubmit(job: id, owner: owner) else {
                // The manual: resubmitting a job that has not finished has no effect.
                return JSONResponse(status: .created, try await detail(id, base: publicURL.base(for: request)))
            }
            return JSONResponse(status: .created, try await detail(fresh, base: publicURL.base(for: request)))
        }
        api.get("/api/jobs/{id}/progress/", access: .model("job"), tag: tag, summary: "How far the job is.") { _, context in
            let job = try await load(try jobID(context))
            let done = job.totalTasks - job.openTasks
            let percent = job.totalTasks == 0 ? (JobState(rawValue: job.state)?.isFinal == true ? 100.0 : 0.0)
                : (Double(done) * 100 / Double(job.totalTasks) * 100).rounded() / 100
            return JSONResponse([
                "id": .int(job.id), "state": .string(job.state), "progress": .double(percent),
                "tasks_total": .int(Int64(job.totalTasks)), "tasks_done": .int(Int64(done)), "numfiles": .int(job.numfiles),
            ])
        }
        api.get("/api/jobs/{id}/statistics/", access: .model("job"), tag: tag, summary: "File counts per state over the job.") {
            _, context in
            let job = try await load(try jobID(context))
            let counts = try await jobs.fileCounts(job: job.id)
            let bytes = try await engine.pool.query(
                "SELECT COALESCE(sum(size), 0) AS n FROM (\(JobQueries.fileStates)) f WHERE state = 'processed'", [.int64(job.id)]
            ).decodeColumn(Int64.self, "n").first ?? 0
            return JSONResponse([
                "id": .int(job.id), "numfiles": .int(job.numfiles), "processed": .int(counts["processed"] ?? 0),
                "skipped": .int(counts["skipped"] ?? 0), "aborted": .int(counts["aborted"] ?? 0),
                "failed": .int(counts["failures"] ?? 0), "cancelled": .int(counts["cancelled"] ?? 0),
                "inprogress": .int(counts["inprogress"] ?? 0), "processed_bytes": .int(bytes),
            ])
        }
        api.get(
            "/api/jobs/{id}/files/", access: .model("job"), tag: tag, summary: "The job's files and their final states.",
            paginated: true, query: [.string("category")]
        ) { request, context in
            let job = try await load(try jobID(context))
            let category = try Self.fileState(QueryString(request.uri.query)["category"], parameter: "category")
            return try await Paginated.respond(
                request, context, base: publicURL, count: { try await jobs.fileCount(job: job.id, state: category) }
            ) { limit, offset in
                try await jobs.files(job: job.id, state: category, limit: limit, offset: offset).map {
                    ["path": .string($0.path), "state": .string($0.state), "size": JSON($0.size), "message": JSON($0.message)]
                }
            }
        }
    }

    /// A file-state filter: the manual's words (`failed`) or the wire's keys (`failures`).
    static func fileState(_ text: String?, parameter: String) throws -> String? {
        guard let text, !text.isEmpty else { return nil }
        switch text.lowercased() {
        case "failed", "failure", "failures": return "failures"
        case "processed", "skipped", "aborted", "inprogress": return text.lowercased()
        default:
            throw APIError.invalid(parameter, "Select a valid choice. \(text) is not one of processed, skipped, aborted, failed, inprogress.")
        }
    }

    private func submit(_ request: Request, _ context: HubRequestContext) async throws -> JSONResponse {
        let identity = try context.requireIdentity()
        let body = try WorkflowsController.object(try await RequestJSON.json(request))
        let id = try await engine.submit(body, owner: identity.userID)
        return JSONResponse(status: .created, try await detail(id, base: publicURL.base(for: request)))
    }

    private func detail(_ id: Int64, base: String) async throws -> JSON {
        let job = try await load(id)
        return job.json(base: base, tasks: try await jobs.taskIDs(job: id), counts: try await jobs.fileCounts(job: id))
    }

    private func jobID(_ context: HubRequestContext) throws -> Int64 {
        guard let text = context.pathParameter("id"), let id = Int64(text) else { throw APIError.notFound("Job") }
        return id
    }

    private func load(_ id: Int64) async throws -> JobQueries.JobRow {
        guard let job = try await jobs.find(id: id) else { throw APIError.notFound("Job") }
        return job
    }
}
