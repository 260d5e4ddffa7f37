import Foundation
import HubCore
import Logging
import Postgres
import RedisQueue
import Shared

/// The hub side of the data path (DESIGN section 4): submission creates a job and its first tasks;
/// results from workers advance each batch along its rule's chain; the job's state follows its tasks.
/// Every change is one PostgreSQL transaction; tasks reach Redis through the `Dispatcher` after it commits.
struct WorkflowEngine: Sendable {
    let pool: PostgresPool
    let workflows: WorkflowStore
    let dispatcher: Dispatcher
    let runs: RunCache
    /// Sends what applied results create while the next results are applied (ResultApplier).
    let pipeline: DispatchPipeline
    let logger: Logger

    init(pool: PostgresPool, redis: RedisConnection, logger: Logger) {
        self.pool = pool
        self.workflows = WorkflowStore(pool: pool)
        self.dispatcher = Dispatcher(pool: pool, redis: redis, logger: logger)
        self.runs = RunCache()
        self.pipeline = DispatchPipeline()
        self.logger = logger
    }

    /// `POST /api/file/workflow/`: validates and resolves the submission, creates the job (or adds a run to
    /// the job named by `job`) with its first tasks, and sends them. Returns the job id.
    /// - Throws: `APIError` 400 naming the field for bad input; nothing is created then.
    func submit(_ body: [String: JSONValue], owner: Int64?, origin: JobOrigin = .user) async throws -> Int64 {
        // The workflow first: import workflows take remote object paths, which need not be absolute.
        var workflow: WorkflowStore.Row?
        if case .string(let name)? = body["workflow"] { workflow = try await workflows.find(name: name) }
        let request: SubmissionRequest
        do {
            request = try SubmissionRequest.parse(body, remoteObjectPaths: workflow?.definition.takesRemoteObjectPaths ?? false)
        } catch {
            throw APIError(fields: error.fields)
        }
        guard let workflow else {
            throw APIError.invalid("workflow", "Object with name=\(request.workflow) does not exist.")
        }
        var context = try await submissionContext()
        context.fromSchedule = origin.isAutomated
        context.fromPolicy = origin.policyID != nil
        let resolved: ResolvedWorkflow
        do {
            resolved = try SubmissionResolver.resolve(request, definition: workflow.definition, context: context)
        } catch {
            throw APIError(fields: error.fields)
        }
        if !workflow.definition.takesRemoteObjectPaths {
            try await checkPathsInsideFilesystems(request.paths.map(\.path), site: request.site)
        }
        let limits = try await batchLimits(site: request.site)
        let queueName = request.queue ?? workflow.definition.preferredQueue ?? "default"
        let requestJSON = try PostgresBind.json(encoding: JSONValue.object(body), encoder: WireCoding.encoder())
        let runs = self.runs
        let label = workflow.definition.label
        let (jobID, outbox) = try await pool.transaction { conn -> (Int64, OutboxBatch?) in
            let jobID: Int64
            if let existing = request.job {
                guard
                    let state = try conn.query("SELECT state FROM jobs WHERE id = $1 FOR UPDATE", [.int(existing)])
                        .decodeColumn(String.self, "state").first
                else { throw APIError.invalid("job", "Invalid pk \"\(existing)\" - object does not exist.") }
                guard let jobState = JobState(rawValue: state), !jobState.isFinal, jobState != .dequeuing else {
                    throw APIError.invalid("job", "Job \(existing) is \(state) and cannot take more work.")
                }
                jobID = Int64(existing)
            } else {
                let first = request.paths.first?.path ?? ""
                let more = request.paths.count > 1 ? " and \(request.paths.count - 1) more" : ""
                jobID = try conn.query(
                    """
                    INSERT INTO jobs (workflow_id, workflow_name, site, queue, owner_id, discovery, paths, fields,
                                      request, friendly_name, system, schedule_id, schedule_name, policy_id)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id
                    """,
                    [
                        .int64(workflow.id), .string(workflow.definition.name), .string(request.site),
                        .string(queueName), owner.map { .int64($0) }, resolved.discovery.map { .string($0) },
                        try .json(encoding: request.paths, encoder: WireCoding.encoder()),
                        try .json(encoding: resolved.fields, encoder: WireCoding.encoder()), requestJSON,
                        .string(origin.friendlyName ?? "\(label) of '\(first)'\(more) on '\(request.site)'"),
                        .bool(origin.isAutomated), origin.scheduleID.map { .int64($0) }, origin.scheduleName.map { .string($0) },
                        origin.policyID.map { .int64($0) },
                    ]
                ).decodeColumn(Int64.self, "id").first ?? 0
                // An automated occurrence and its job commit together, or neither: once per occurrence.
                try origin.recordRun(job: jobID, on: conn)
            }
            let runID = try conn.query(
                "INSERT INTO job_runs (job_id, workflow_name, site, resolved, paths) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                [
                    .int64(jobID), .string(workflow.definition.name), .string(request.site),
                    try .json(encoding: resolved, encoder: WireCoding.encoder()),
                    try .json(encoding: request.paths, encoder: WireCoding.encoder()),
                ]
            ).decodeColumn(Int64.self, "id").first ?? 0
            let run = JobRun(id: runID, jobID: jobID, site: request.site, resolved: resolved)
            runs.remember(run)
            var delta = JobSettlement.Delta()
            var tasks: [NewTask] = []
            if let discoveryTask = resolved.discoveryTask {
                tasks.append(
                    NewTask(
                        jobID: jobID, runID: runID, name: discoveryTask, kind: .discovery,
                        queue: try QueueName(site: request.site, queue: queueName, function: .discovery),
                        kwargs: resolved.discoveryOptions, input: request.paths))
            } else {
                let planned = try BatchPlanner(run: run, limits: limits).firstSteps(for: request.paths, parentID: nil)
                let elsewhere = planned.tasks.contains { $0.queue.site != request.site }
                let mounts = elsewhere ? try MountMap.load(on: conn) : MountMap(sites: [:])
                tasks = planned.tasks.map { task in
                    var moved = task
                    moved.input = mounts.translate(task.input, from: request.site, to: task.queue.site)
                    return moved
                }
                delta.numfiles = planned.matched
            }
            let batch = try NewTask.insertForSending(tasks, on: conn).batch
            delta.created = tasks.count
            delta.opened = tasks.count
            try JobSettlement.apply(delta, job: jobID, on: conn)
            return (jobID, batch)
        }
        await dispatch(outbox.map { [$0] } ?? [])
        logger.info("job \(jobID): \(workflow.definition.name) on \(request.site), \(request.paths.count) paths")
        return jobID
    }

    /// Sends committed outbox batches now, then takes back what reached jobs stopped meanwhile. Failures
    /// only log: unsent tasks are sent by the sweep once their outbox rows expire, and taking back is
    /// retried by the sweep service for jobs that stay PAUSING or DEQUEUING.
    func dispatch(_ batches: [OutboxBatch]) async {
        let stopped: Set<Int64>
        do {
            stopped = try await dispatcher.send(batches)
        } catch {
            let count = batches.reduce(0) { $0 + $1.tasks.count }
            logger.warning("could not send \(count) tasks now (the sweep sends them once their outbox rows expire): \(error)")
            return
        }
        for job in stopped {
            do {
                try await retract(job: job)
            } catch {
                logger.warning("could not take back the queued tasks of job \(job) now (retried by the sweep): \(error)")
            }
        }
    }

    /// Known sites and the queues their workers report, for validating a submission.
    func submissionContext() async throws -> SubmissionContext {
        // The site's own include/exclude patterns (L11332-11333) apply to the next submission on it.
        var sites: [String] = []
        var patterns: [String: SitePatterns] = [:]
        for row in try await pool.query("SELECT name, include::text AS include, exclude::text AS exclude FROM sites") {
            let name = try row.decode(String.self, "name")
            sites.append(name)
            func list(_ column: String) throws -> [String] {
                guard let text = try row.decode(String?.self, column) else { return [] }
                return (try? WireCoding.decode([String].self, from: Array(text.utf8))) ?? []
            }
            patterns[name] = SitePatterns(include: try list("include"), exclude: try list("exclude"))
        }
        // Registered queues; a removed one (`manage remove_queue`) no longer takes submissions.
        let rows = try await pool.query(
            """
            SELECT s.name AS site, COALESCE(array_agg(q.name) FILTER (WHERE q.removed_at IS NULL), '{}') AS queues
            FROM queues q JOIN sites s ON s.id = q.site_id
            GROUP BY s.name
            """)
        var queues: [String: Set<String>] = [:]
        for row in rows {
            queues[try row.decode(String.self, "site")] = Set(try row.decode([String].self, "queues"))
        }
        return SubmissionContext(sites: Set(sites), queuesBySite: queues, sitePatterns: patterns)
    }

    /// The site's batching limits (defaults when the site has none).
    func batchLimits(site: String) async throws -> BatchPlanner.BatchLimits {
        try await pool.withConnection { conn in try Self.batchLimits(site: site, on: conn) }
    }

    static func batchLimits(site: String, on conn: PostgresConnection) throws -> BatchPlanner.BatchLimits {
        guard
            let row = try conn.query(
                "SELECT file_batch_size, file_batch_gb, enable_auto_file_batch_sizing FROM sites WHERE name = $1",
                [.string(site)]
            ).first
        else { return .standard }
        // Bounded so that a huge (or infinite) setting cannot overflow the byte count.
        let gigabytes = min(try row.decode(Double.self, "file_batch_gb"), 1_000_000_000)
        return BatchPlanner.BatchLimits(
            files: try row.decode(Int.self, "file_batch_size"), bytes: Int64(gigabytes * Double(1 << 30)),
            dynamic: try row.decode(Bool.self, "enable_auto_file_batch_sizing"))
    }

    /// Every path must lie in one of the site's filesystems, once the site has reported them (before its
    /// first inventory nothing is known, and the worker's tools are the judge).
    func checkPathsInsideFilesystems(_ paths: [String], site: String) async throws {
        let mounts = try await pool.query(
            "SELECT f.mountpoint FROM filesystems f JOIN sites s ON s.id = f.site_id WHERE s.name = $1", [.string(site)]
        ).decodeColumn(String.self, "mountpoint")
        guard !mounts.isEmpty else { return }
        let outside = paths.filter { path in !mounts.contains { PathScope.isWithin(path, $0) } }
        guard outside.isEmpty else {
            let listed = outside.prefix(5).joined(separator: ", ") + (outside.count > 5 ? " and \(outside.count - 5) more" : "")
            throw APIError.invalid(
                "paths", "\(listed) \(outside.count == 1 ? "is" : "are") not inside a filesystem of site \(site) (\(mounts.sorted().joined(separator: ", "))).")
        }
    }
}
