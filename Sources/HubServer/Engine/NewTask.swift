import Foundation
import HubCore
import Postgres
import Shared

/// A task the engine is about to create: a discovery task or one step of a rule's action chain.
struct NewTask: Sendable {
    enum Kind: String, Sendable {
        case discovery, step, system
    }

    var taskID = WireTaskID.make()
    var jobID: Int64
    var runID: Int64
    var name: String
    var kind: Kind
    var ruleIndex: Int?
    var stepIndex: Int?
    var parentID: Int64?
    var queue: QueueName
    var kwargs: [String: JSONValue]
    var input: [PathItem]
    /// PENDING for work to do; SKIPPED (nothing left for the step) and CANCELLED (an earlier step failed or
    /// the job was cancelled) are recorded final at once, so the job's task list shows the whole chain.
    var state: TaskState = .pending
    /// The sub-DAG (stored id) and node this task runs, for tasks a running task submitted.
    var subdag: (id: Int64, node: String)?

    var isOpen: Bool { !state.isFinal }
}

extension NewTask {
    /// Inserts tasks that the dispatch sweep sends (end-of-job tasks scheduled while a result is applied)
    /// and returns their API ids in order.
    static func insert(_ tasks: [NewTask], on conn: PostgresConnection) throws -> [Int64] {
        try insert(tasks, sending: false, on: conn).ids
    }

    /// Inserts tasks and, for the open ones, their outbox row (migration 13); the caller sends the batch
    /// with `Dispatcher.send` once the transaction commits. Returns the API ids in order, and the batch
    /// (nil when no task is open).
    static func insertForSending(_ tasks: [NewTask], on conn: PostgresConnection) throws -> (ids: [Int64], batch: OutboxBatch?) {
        try insert(tasks, sending: true, on: conn)
    }

    /// One statement for all the tasks (arrays unnested server-side), with their outbox row when `sending`.
    /// `dispatched` is false only for a PENDING task left for the sweep to send (migration 16's CHECK).
    private static func insert(_ tasks: [NewTask], sending: Bool, on conn: PostgresConnection) throws -> (ids: [Int64], batch: OutboxBatch?) {
        guard !tasks.isEmpty else { return ([], nil) }
        var taskIDs: [String] = [], jobs: [Int64] = [], runs: [Int64] = [], names: [String] = [], kinds: [String] = []
        var rules: [Int?] = [], steps: [Int?] = [], parents: [Int64?] = [], sites: [String] = [], queues: [String] = []
        var kwargs: [[UInt8]] = [], inputs: [[UInt8]] = [], totals: [Int] = [], states: [String] = []
        var subdags: [Int64?] = [], nodes: [String?] = []
        var lastKwargs: (value: [String: JSONValue], bytes: [UInt8])?
        for task in tasks {
            taskIDs.append(task.taskID)
            jobs.append(task.jobID)
            runs.append(task.runID)
            names.append(task.name)
            kinds.append(task.kind.rawValue)
            rules.append(task.ruleIndex)
            steps.append(task.stepIndex)
            parents.append(task.parentID)
            sites.append(task.queue.site)
            queues.append(task.queue.description)
            // A step's tasks share their kwargs: encoded once per run of equal ones (one-file batches made
            // this an encode per file). Equal as values: strings in canonically equivalent forms count as
            // one, as they do for every Swift reader of them.
            if let last = lastKwargs, last.value == task.kwargs {
                kwargs.append(last.bytes)
            } else {
                let bytes = try WireCoding.encode(JSONValue.object(task.kwargs))
                kwargs.append(bytes)
                lastKwargs = (task.kwargs, bytes)
            }
            inputs.append(try WireCoding.encode(task.input))
            totals.append(task.input.count)
            states.append(task.state.rawValue)
            subdags.append(task.subdag?.id)
            nodes.append(task.subdag?.node)
        }
        let rows = try conn.query(
            """
            WITH inserted AS (
                INSERT INTO tasks (task_id, job_id, run_id, name, kind, rule_index, step_index, parent_id, site, queue,
                                   kwargs, input, input_total, state, finished, subdag_id, subdag_node, dispatched)
                SELECT t.task_id, t.job_id, t.run_id, t.name, t.kind, t.rule_index, t.step_index, t.parent_id, t.site,
                       t.queue, t.kwargs::jsonb, t.input::json, t.input_total, t.state,
                       CASE WHEN t.state IN ('PENDING', 'STARTED') THEN NULL ELSE now() END, t.subdag_id, t.subdag_node,
                       $17 OR t.state <> 'PENDING'
                FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $5::text[], $6::int4[], $7::int4[],
                            $8::int8[], $9::text[], $10::text[], $11::text[], $12::text[], $13::int4[], $14::text[],
                            $15::int8[], $16::text[])
                     WITH ORDINALITY AS t(task_id, job_id, run_id, name, kind, rule_index, step_index, parent_id, site,
                                          queue, kwargs, input, input_total, state, subdag_id, subdag_node, ord)
                ORDER BY t.ord
                RETURNING id, task_id, state, dispatched
            ), outbox AS (
                INSERT INTO dispatch_outbox (tasks, claim_until)
                SELECT array_agg(id), now() + make_interval(secs => $18) FROM inserted WHERE state = 'PENDING' AND dispatched
                HAVING count(*) > 0
                RETURNING id
            )
            SELECT i.id, i.task_id, (SELECT id FROM outbox) AS outbox FROM inserted i
            """,
            [
                .array(taskIDs), .array(jobs), .array(runs), .array(names), .array(kinds), .array(rules), .array(steps),
                .array(parents), .array(sites), .array(queues), .array(kwargs.map { String(decoding: $0, as: UTF8.self) }),
                .array(inputs.map { String(decoding: $0, as: UTF8.self) }), .array(totals), .array(states),
                .array(subdags), .array(nodes), .bool(sending), Dispatcher.claimSeconds,
            ])
        // RETURNING order is not guaranteed: map by the wire id.
        var byTaskID: [String: Int64] = [:], outboxRow: Int64?
        for row in rows {
            byTaskID[try row.decode(String.self, "task_id")] = try row.decode(Int64.self, "id")
            outboxRow = try outboxRow ?? row.decode(Int64?.self, "outbox")
        }
        let ids = try tasks.map { task in
            guard let id = byTaskID[task.taskID] else { throw EngineError.missingTask(task.taskID) }
            return id
        }
        guard let outboxRow else { return (ids, nil) }
        let enqueuedAt = WireCoding.formatDate(Date())
        var outgoing: [OutgoingTask] = []
        for (index, task) in tasks.enumerated() where task.state == .pending {
            outgoing.append(
                OutgoingTask(
                    id: ids[index], taskID: task.taskID, attempt: 1, job: task.jobID, name: task.name, queue: queues[index],
                    kwargs: kwargs[index], paths: inputs[index], enqueuedAt: enqueuedAt))
        }
        return (ids, OutboxBatch(rowID: outboxRow, tasks: outgoing))
    }
}
