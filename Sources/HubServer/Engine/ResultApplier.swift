import Foundation
import HubCore
import Logging
import Postgres
import Shared

/// Applies what workers report (started events, per-file progress, results) to tasks and jobs.
///
/// Exactly once: a started event or result changes a task only while the task is not final and its
/// attempt is not newer than the message's (attempt fencing, DESIGN section 3), so replays, duplicates and
/// results of superseded attempts change nothing. A claimed batch of messages is applied in a few
/// transactions (ResultConsumerService.pathsPerTransaction) with a handful of set-based statements each
/// (not a few per message): that is what lets the hub follow thousands of tasks a second. The caller acks
/// the messages only after the commits.
extension WorkflowEngine {
    /// Applies `messages` (heartbeats are not the engine's and are ignored here) in one transaction, then
    /// hands the tasks they created to the dispatch pipeline, which sends them while the caller goes on.
    /// `redelivered`: the messages (by index) that may have been applied before (a hub that died between
    /// commit and ack); a progress report among them is merged with what its task stored instead of
    /// appended, so that it cannot show its files twice.
    func apply(_ messages: [HubMessage], redelivered: Set<Int> = []) async throws {
        var started: [TaskStarted] = [], progress: [(batch: FileOutcomeBatch, redelivered: Bool)] = [], results: [TaskResult] = []
        for (index, message) in messages.enumerated() {
            switch message {
            case .started(let event): started.append(event)
            case .progress(let batch): progress.append((batch, redelivered.contains(index)))
            case .result(let result): results.append(result)
            case .heartbeat: break
            }
        }
        let runs = self.runs
        let (starts, batches, finished) = (started, progress, results)
        let toDispatch = try await pool.transaction { conn -> [OutboxBatch] in
            var applier = ResultApplier(conn: conn, runs: runs)
            // Task rows first, without their jobs' locks, so that concurrent appliers (the consumer's lanes,
            // other replicas) record their tasks side by side.
            try applier.started(starts)
            for (batch, redelivered) in batches { try applier.progress(batch, redelivered: redelivered) }
            try applier.results(finished)
            // Then the jobs advance under their locks (taken in id order: appliers cannot deadlock on them).
            try applier.advance()
            return applier.toDispatch
        }
        let engine = self
        for batch in toDispatch { await pipeline.submit(batch) { batches in await engine.dispatch(batches) } }
    }
}

/// One transaction's worth of message application, in two phases.
///
/// First the messages are recorded on their tasks (`started`, `progress`, `results`): fenced updates of
/// those task rows and their file sets, which another applier touches only with a duplicate (it then
/// waits for the row, and its fenced update changes nothing). Then `advance` locks the jobs
/// involved and takes every decision that depends on more than the task itself: whether the job is
/// stopping, the next steps, sub-DAG children whose parents have all closed, the job's counters and state.
/// Under the lock each statement sees what other appliers committed before it, so two appliers that close
/// the last two parents of a sub-DAG node, or the last two tasks of a job, cannot both miss the other.
struct ResultApplier {
    let conn: PostgresConnection
    let runs: RunCache
    /// The open tasks this transaction created, to send once it commits.
    private(set) var toDispatch: [OutboxBatch] = []
    private var limitsBySite: [String: BatchPlanner.BatchLimits] = [:]
    private var subdags: SubDAGPlanner
    /// Files each job had counted when this transaction read it (dynamic batching).
    private var jobFiles: [Int64: Int] = [:]
    /// Jobs whose tasks started, and the results applied, recorded for `advance`.
    private var startedJobs: [Int64] = []
    private var applied: [Applied] = []

    init(conn: PostgresConnection, runs: RunCache) {
        self.conn = conn
        self.runs = runs
        self.subdags = SubDAGPlanner(conn: conn)
    }

    mutating func started(_ events: [TaskStarted]) throws {
        guard !events.isEmpty else { return }
        // One per task (the newest attempt): UPDATE ... FROM takes an arbitrary row for a repeated key.
        var newest: [String: TaskStarted] = [:]
        for event in events where event.attempt > (newest[event.taskID]?.attempt ?? 0) { newest[event.taskID] = event }
        // In task-id order, as every applier locks them: two that meet on a task (duplicates) wait, not deadlock.
        let list = newest.values.sorted { $0.taskID < $1.taskID }
        let jobs = try conn.query(
            """
            UPDATE tasks t SET state = 'STARTED', attempt = s.attempt, started = s.started, node = s.node, dispatched = true
            FROM unnest($1::text[], $2::int8[], $3::timestamptz[], $4::text[]) AS s(task_id, attempt, started, node)
            WHERE t.task_id = s.task_id AND t.state IN ('PENDING', 'STARTED') AND t.attempt <= s.attempt
            RETURNING t.job_id
            """,
            [.array(list.map(\.taskID)), .array(list.map(\.attempt)), .array(list.map(\.started)), .array(list.map(\.node))]
        ).decodeColumn(Int64.self, "job_id")
        startedJobs += jobs
    }

    /// Pending jobs whose tasks have started (or finished: a quick task sends no `started`) are STARTED.
    private func markStarted(jobs: [Int64]) throws {
        guard !jobs.isEmpty else { return }
        try conn.execute(
            """
            UPDATE jobs SET state = 'STARTED', started = COALESCE(started, now()), modified = now()
            WHERE id = ANY($1::int8[]) AND state = 'PENDING'
            """, [.array(Array(Set(jobs)).sorted())])
    }

    mutating func progress(_ batch: FileOutcomeBatch, redelivered: Bool) throws {
        // `streamed` tells the result that this task has sets to merge with.
        guard
            let row = try conn.query(
                """
                UPDATE tasks SET streamed = true WHERE task_id = $1 AND state = 'STARTED' AND attempt = $2
                RETURNING id, job_id, kind
                """,
                [.string(batch.taskID), .int(batch.attempt)]
            ).first
        else { return }
        var files = FileSets()
        files.add(
            task: try row.decode(Int64.self, "id"), job: try row.decode(Int64.self, "job_id"),
            step: try row.decode(String.self, "kind") == NewTask.Kind.step.rawValue, mergesStored: redelivered,
            batch.files.map { ($0, batch.state.rawValue) })
        try files.insert(on: conn)
    }

    /// Lists the files of whole-input results (`TaskStatus.allInputs`) from their tasks' stored inputs,
    /// merged with what those tasks streamed (a task that streamed lists them itself; this is for a retried
    /// attempt whose predecessor streamed), with any files the result also lists, or for more files than
    /// a set numbers.
    private func spellOut(_ indices: [Int], into files: inout FileSets) throws {
        guard !indices.isEmpty else { return }
        let byID = Dictionary(uniqueKeysWithValues: indices.map { (applied[$0].id, $0) })
        for (id, input) in try storedInputs(of: byID.keys) {
            guard let at = byID[id] else { continue }
            let item = applied[at]
            files.add(
                task: item.id, job: item.job, step: item.isStep, mergesStored: true,
                item.result.status.expandedDetails(inputs: input).flatMap { state, details in details.map { ($0, state) } })
        }
    }

    /// The inputs the hub stored for `tasks` (workers do not echo them), by task id.
    private func storedInputs(of tasks: some Collection<Int64>) throws -> [(id: Int64, input: [PathItem])] {
        try conn.query("SELECT id, input::text AS input FROM tasks WHERE id = ANY($1::int8[])", [.array(tasks.sorted())]).map { row in
            (try row.decode(Int64.self, "id"), try WireCoding.decode([PathItem].self, from: Array(try row.decode(String.self, "input").utf8)))
        }
    }

    /// Invalidated tasks (housekeeping's failures) are counted for the alert as their results apply: once.
    private func recordInvalidations(_ items: ArraySlice<Applied>) throws {
        let sites = items.filter { $0.result.error?.hasPrefix(WorkflowEngine.invalidationPrefix) == true }.map(\.site)
        guard !sites.isEmpty else { return }
        try conn.execute("INSERT INTO task_invalidations (site) SELECT unnest($1::text[])", [.array(sites)])
    }

    /// What one applied result row says about its task.
    private struct Applied {
        var id: Int64
        var job: Int64
        var run: Int64
        var isStep: Bool
        var isSystem: Bool
        var rule: Int?
        var step: Int?
        var name: String
        var site: String
        var queue: String
        var kwargs: String
        var result: TaskResult
        var state: TaskState
        var subdag: (id: Int64, node: String)?

        /// The paths this task hands on: the result's own, or the default `resolveInputs` derived from
        /// the stored input. Asked only where `resolveInputs` resolves them.
        func passedOn() throws -> [PathItem] {
            guard let paths = result.paths else { throw EngineError.underivedPaths(result.taskID) }
            return paths
        }
    }

    mutating func results(_ all: [TaskResult]) throws {
        guard !all.isEmpty else { return }
        var newest: [String: TaskResult] = [:]
        for result in all where result.attempt > (newest[result.taskID]?.attempt ?? 0) { newest[result.taskID] = result }
        // In task-id order, as every applier locks them: two that meet on a task (duplicates) wait, not deadlock.
        let list = try refusingBadSubDAGs(newest.values.sorted { $0.taskID < $1.taskID })
        let states = list.map(Self.state(of:))
        let encoder = WireCoding.encoder()
        let rows = try conn.query(
            """
            UPDATE tasks t SET state = r.state, attempt = r.attempt, summary = r.summary::jsonb, error = r.error,
                               node = r.node, logs = r.logs::jsonb, started = COALESCE(t.started, r.started),
                               finished = now(), output = r.output::jsonb, dispatched = true
            FROM unnest($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[],
                        $8::timestamptz[], $9::text[]) AS r(task_id, state, attempt, summary, error, node, logs, started, output)
            WHERE t.task_id = r.task_id AND t.state IN ('PENDING', 'STARTED') AND t.attempt <= r.attempt
            RETURNING t.id, t.task_id, t.job_id, t.run_id, t.kind, t.rule_index, t.step_index, t.name, t.site, t.queue,
                      t.kwargs::text AS kwargs, t.subdag_id, t.subdag_node, t.streamed
            """,
            [
                .array(list.map(\.taskID)), .array(states.map(\.rawValue)), .array(list.map(\.attempt)),
                .array(try list.map { String(decoding: try WireCoding.encode(JSONValue.object($0.status.summary.mapValues { .int(Int64($0)) })), as: UTF8.self) }),
                .array(list.map(\.error)), .array(list.map(\.node)),
                .array(try list.map { try $0.logs.map { String(decoding: try WireCoding.encode(JSONValue.array($0.map(JSONValue.string))), as: UTF8.self) } }),
                .array(list.map(\.status.started)),
                .array(try list.map { try SystemTaskOutcome.output(of: $0).map { String(decoding: try encoder.encode($0), as: UTF8.self) } }),
            ])
        // Rows not returned were duplicates or superseded attempts: already applied, or not ours to apply.
        guard !rows.isEmpty else { return }
        let appliedBefore = applied.count
        // Whole-input results of tasks that streamed progress: their files are merged with the streamed ones.
        var toSpellOut: [Int] = []
        let byID = Dictionary(uniqueKeysWithValues: zip(list.map(\.taskID), zip(list, states).map { $0 }))
        var files = FileSets()
        for row in rows {
            let taskID = try row.decode(String.self, "task_id")
            guard let (result, state) = byID[taskID] else { continue }
            let item = Applied(
                id: try row.decode(Int64.self, "id"), job: try row.decode(Int64.self, "job_id"),
                run: try row.decode(Int64.self, "run_id"),
                isStep: try row.decode(String.self, "kind") == NewTask.Kind.step.rawValue,
                isSystem: try row.decode(String.self, "kind") == NewTask.Kind.system.rawValue,
                rule: try row.decode(Int?.self, "rule_index"), step: try row.decode(Int?.self, "step_index"),
                name: try row.decode(String.self, "name"), site: try row.decode(String.self, "site"),
                queue: try row.decode(String.self, "queue"), kwargs: try row.decode(String.self, "kwargs"),
                result: result, state: state,
                subdag: try row.decode(Int64?.self, "subdag_id").map { ($0, try row.decode(String.self, "subdag_node")) })
            applied.append(item)
            let streamed = try row.decode(Bool.self, "streamed")
            // A set without arrays numbers at most `perSet` files, and says nothing of other files.
            if let state = result.status.allInputs, !streamed, result.status.details.allSatisfy(\.value.isEmpty),
                result.status.inputTotal <= FileSets.perSet
            {
                files.addWholeInput(task: item.id, job: item.job, step: item.isStep, state: state)
            } else if result.status.allInputs != nil {
                toSpellOut.append(applied.count - 1)
            } else {
                files.add(
                    task: item.id, job: item.job, step: item.isStep, mergesStored: streamed,
                    result.status.details.flatMap { state, details in details.map { ($0, state) } })
            }
        }
        try spellOut(toSpellOut, into: &files)
        try files.insert(on: conn)
        try recordInvalidations(applied[appliedBefore...])
        try resolveInputs()
        try storePassedOn(of: applied.filter { $0.subdag != nil })
    }

    /// Reads back the stored input of the results that need it, as workers do not echo it: to derive the
    /// default `paths` (`TaskResult.paths` nil) of a task whose chain goes on, of a discovery and of a
    /// sub-DAG node, and for a comparison stat, whose check pairs that input with the stats. The last step
    /// of a chain, most of a job's results, reads nothing back.
    private mutating func resolveInputs() throws {
        var needing: [Int64: Int] = [:]
        for at in applied.indices {
            let item = applied[at]
            guard !item.isSystem || item.subdag != nil else { continue }
            // Discoveries and sub-DAG nodes hand on; a rule's step only when its chain goes on, and a step
            // outside any rule (an end-of-job task) not at all. A failed task hands nothing on.
            var goesOn = !item.isStep || item.subdag != nil
            var needsInput = false
            if item.isStep, item.subdag == nil, let rule = item.rule, let step = item.step {
                let run = try runs.run(item.run, on: conn)
                let planner = BatchPlanner(run: run, limits: try limits(site: run.site))
                goesOn = planner.hasStep(rule: rule, after: step)
                needsInput = planner.isComparisonStat(item.name, rule: rule, step: step)
                    && item.result.status.inputPaths.count < item.result.status.inputTotal
            }
            if (goesOn && item.result.paths == nil && item.state != .failure) || needsInput { needing[item.id] = at }
        }
        guard !needing.isEmpty else { return }
        for (id, input) in try storedInputs(of: needing.keys) {
            guard let at = needing[id] else { continue }
            applied[at].result.status.inputPaths = input
            if applied[at].result.paths == nil { applied[at].result.paths = applied[at].result.status.passedOn(from: input) }
        }
    }

    /// The second phase: locks the jobs of what was recorded (in id order), then advances them.
    mutating func advance() throws {
        let jobIDs = Array(Set(startedJobs + applied.map(\.job))).sorted()
        guard !jobIDs.isEmpty else { return }
        var jobStates: [Int64: JobState] = [:]
        for row in try conn.query(
            "SELECT id, state, numfiles FROM jobs WHERE id = ANY($1::int8[]) ORDER BY id FOR UPDATE", [.array(jobIDs)])
        {
            let id = try row.decode(Int64.self, "id")
            jobStates[id] = JobState(rawValue: try row.decode(String.self, "state")) ?? .unknown
            jobFiles[id] = try row.decode(Int.self, "numfiles")
        }
        try markStarted(jobs: jobIDs)
        guard !applied.isEmpty else { return }
        var deltas: [Int64: JobSettlement.Delta] = [:]
        var created: [NewTask] = []
        for item in applied {
            let failures = item.result.status.summary[FileState.failures.rawValue] ?? 0
            deltas[item.job, default: .init()].closed += 1
            deltas[item.job, default: .init()].failedTasks += item.state == .failure ? 1 : 0
            deltas[item.job, default: .init()].failedFiles += failures
            let jobState = jobStates[item.job] ?? .unknown
            if item.isSystem { try SystemTaskOutcome.apply(task: item.id, name: item.name, site: item.site, result: item.result, on: conn) }
            let stopping = jobState == .dequeuing || jobState.isFinal
            var next = item.isSystem ? [] : try followUps(of: item, numfiles: &deltas[item.job, default: .init()].numfiles)
            if stopping {
                for index in next.indices where next[index].isOpen { next[index].state = .cancelled }
            }
            next += try subDAGTasks(of: item, cancelled: stopping)
            for task in next {
                deltas[item.job, default: .init()].created += 1
                if task.isOpen { deltas[item.job, default: .init()].opened += 1 }
            }
            created += next
        }
        if let batch = try NewTask.insertForSending(created, on: conn).batch { toDispatch.append(batch) }
        try JobSettlement.apply(deltas, on: conn)
    }

    /// The tasks a finished task leads to: for discovery, child discoveries and the first steps of the
    /// rules its items match; for a step, the next step of its chain (or the rest of the chain recorded
    /// SKIPPED when nothing is left, CANCELLED when the task failed as a whole).
    private mutating func followUps(of item: Applied, numfiles: inout Int) throws -> [NewTask] {
        guard item.state != .failure || item.isStep else { return [] }
        let run = try runs.run(item.run, on: conn)
        let planner = BatchPlanner(run: run, limits: try limits(site: run.site))
        let result = item.result
        guard item.isStep else {
            let queue = try QueueName(parsing: item.queue)
            var kwargs = try WireCoding.decode([String: JSONValue].self, from: Array(item.kwargs.utf8))
            kwargs["child"] = .bool(true)
            var tasks = (result.discover ?? []).map { directory in
                NewTask(
                    jobID: item.job, runID: run.id, name: item.name, kind: .discovery, parentID: item.id, queue: queue,
                    kwargs: kwargs, input: [PathItem(path: directory, type: "directory")])
            }
            let planned = try planner.firstSteps(for: try item.passedOn(), parentID: item.id, jobFiles: (jobFiles[item.job] ?? 0) + numfiles)
            // A rule's first step may run on another site (site_sync deletes on the destination).
            tasks += try planned.tasks.map { task in
                guard task.queue.site != item.site else { return task }
                var moved = task
                moved.input = try mounts().translate(task.input, from: item.site, to: task.queue.site)
                return moved
            }
            numfiles += planned.matched
            return tasks
        }
        if let rule = item.rule, let step = item.step, planner.isComparisonStat(item.name, rule: rule, step: step) {
            return try checkAfterStat(item, rule: rule, step: step, planner: planner)
        }
        guard let rule = item.rule, let step = item.step, planner.hasStep(rule: rule, after: step) else { return [] }
        // A failed step's paths are not derived (`resolveInputs`): they are not asked for.
        if try item.state == .failure || item.passedOn().isEmpty {
            let final: TaskState = item.state == .failure ? .cancelled : .skipped
            return try (step + 1..<run.resolved.rules[rule].steps.count).map { next in
                try planner.step(rule: rule, step: next, input: [], parentID: item.id, state: final)
            }
        }
        var next = try planner.step(rule: rule, step: step + 1, input: try item.passedOn(), parentID: item.id)
        if next.queue.site != item.site {
            next.input = try mounts().translate(next.input, from: item.site, to: next.queue.site)
        }
        return [next]
    }

    /// After the other site's `stat_paths`: the comparing `check_sync_state` on this site's paths, or, when
    /// the stat failed (or did not answer for every path), the check and the rest of the chain CANCELLED.
    private mutating func checkAfterStat(_ item: Applied, rule: Int, step: Int, planner: BatchPlanner) throws -> [NewTask] {
        let site = planner.run.resolved.rules[rule].steps[step].site
        let local = try mounts().translate(item.result.status.inputPaths, from: item.site, to: site)
        if item.state != .failure,
            let check = try planner.checkAfterStat(rule: rule, step: step, local: local, stats: item.result.output, parentID: item.id)
        {
            return [check]
        }
        return try (step..<planner.run.resolved.rules[rule].steps.count).map { index in
            try planner.step(rule: rule, step: index, input: index == step ? local : [], parentID: item.id, state: .cancelled)
        }
    }

    /// A result's task state: FAILURE when the task itself failed, ERROR when files failed (structured
    /// output; the rest carried on), SUCCESS otherwise (manual L12594-12609).
    static func state(of result: TaskResult) -> TaskState {
        if result.error != nil { return .failure }
        return (result.status.summary[FileState.failures.rawValue] ?? 0) > 0 ? .error : .success
    }

    private mutating func mounts() throws -> MountMap {
        try subdags.mounts()
    }

    /// The sub-DAG tasks `item` leads to: the roots of the graphs it submitted (unless it failed as a
    /// whole), and, when it is itself a sub-DAG node, the children it was the last parent of.
    private mutating func subDAGTasks(of item: Applied, cancelled: Bool) throws -> [NewTask] {
        var tasks: [NewTask] = []
        if let (id, node) = item.subdag {
            tasks += try subdags.closed(
                node: node, of: id, state: item.state, site: item.site,
                passedOn: item.state == .failure ? [] : try item.passedOn(), cancelled: cancelled)
        }
        guard item.state != .failure, !item.isSystem, let graphs = item.result.subdags, !graphs.isEmpty else { return tasks }
        let queue = try QueueName(parsing: item.queue)
        for graph in graphs {
            tasks += try subdags.submit(
                graph, jobID: item.job, runID: item.run, submitter: item.id, queue: queue, cancelled: cancelled)
        }
        return tasks
    }

    /// Results whose sub-DAGs the hub cannot run fail their task with the reason (field named), so a
    /// graph is never half created and the submitter learns why.
    private mutating func refusingBadSubDAGs(_ results: [TaskResult]) throws -> [TaskResult] {
        guard results.contains(where: { $0.error == nil && !($0.subdags ?? []).isEmpty }) else { return results }
        let queues = try subdags.queuesBySite()
        var sites: [String: String] = [:]
        let submitters = results.filter { !($0.subdags ?? []).isEmpty }.map(\.taskID)
        for row in try conn.query("SELECT task_id, site FROM tasks WHERE task_id = ANY($1::text[])", [.array(submitters)]) {
            sites[try row.decode(String.self, "task_id")] = try row.decode(String.self, "site")
        }
        return results.map { result in
            guard result.error == nil, let graphs = result.subdags, !graphs.isEmpty,
                let reason = SubDAGPlanner.rejection(of: graphs, queues: queues, site: sites[result.taskID] ?? "")
            else { return result }
            var refused = result
            refused.error = "sub-DAG refused: \(reason)"
            refused.subdags = nil
            return refused
        }
    }

    /// Keeps what sub-DAG nodes pass on, for children that wait for several parents.
    private func storePassedOn(of nodes: [Applied]) throws {
        guard !nodes.isEmpty else { return }
        let encoder = WireCoding.encoder()
        try conn.execute(
            "UPDATE tasks SET passed_on = x.paths::jsonb FROM unnest($1::int8[], $2::text[]) AS x(id, paths) WHERE tasks.id = x.id",
            [
                .array(nodes.map(\.id)),
                .array(try nodes.map { String(decoding: try encoder.encode($0.state == .failure ? [] : try $0.passedOn()), as: UTF8.self) }),
            ])
    }

    private mutating func limits(site: String) throws -> BatchPlanner.BatchLimits {
        if let limits = limitsBySite[site] { return limits }
        let limits = try WorkflowEngine.batchLimits(site: site, on: conn)
        limitsBySite[site] = limits
        return limits
    }
}
