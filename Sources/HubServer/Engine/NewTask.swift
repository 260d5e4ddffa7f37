import Foundation
import HubCore
import Postgres
import Shared

/// A task the engine is about to create: a discovery task or one step of a rule's action chain.
struct NewTask: Sendable {
    enum Kind: String, Sendable {
        case discovery, step, system
    }

    var taskID = UUID().uuidString.lowercased()
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
    /// Inserts tasks with one statement (arrays unnested server-side) and returns their API ids in order.
    /// `claimed`: the caller sends the open ones with `Dispatcher.dispatch(taskIDs:)` once this commits, so
    /// they are inserted with its dispatch claim (no other dispatcher sends them meanwhile).
    static func insert(_ tasks: [NewTask], claimed: Bool = false, on conn: PostgresConnection) throws -> [Int64] {
        guard !tasks.isEmpty else { return [] }
        var taskIDs: [String] = [], jobs: [Int64] = [], runs: [Int64] = [], names: [String] = [], kinds: [String] = []
        var rules: [Int?] = [], steps: [Int?] = [], parents: [Int64?] = [], sites: [String] = [], queues: [String] = []
        var kwargs: [String] = [], inputs: [String] = [], totals: [Int] = [], states: [String] = []
        var subdags: [Int64?] = [], nodes: [String?] = []
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
            kwargs.append(String(decoding: try WireCoding.encode(JSONValue.object(task.kwargs)), as: UTF8.self))
            inputs.append(String(decoding: try WireCoding.encode(task.input), as: UTF8.self))
            totals.append(task.input.count)
            states.append(task.state.rawValue)
            subdags.append(task.subdag?.id)
            nodes.append(task.subdag?.node)
        }
        let rows = try conn.query(
            """
            INSERT INTO tasks (task_id, job_id, run_id, name, kind, rule_index, step_index, parent_id, site, queue,
                               kwargs, input, input_total, state, finished, subdag_id, subdag_node, dispatch_claim)
            SELECT t.task_id, t.job_id, t.run_id, t.name, t.kind, t.rule_index, t.step_index, t.parent_id, t.site,
                   t.queue, t.kwargs::jsonb, t.input::jsonb, t.input_total, t.state,
                   CASE WHEN t.state IN ('PENDING', 'STARTED') THEN NULL ELSE now() END, t.subdag_id, t.subdag_node,
                   CASE WHEN $17 AND t.state = 'PENDING' THEN now() + make_interval(secs => $18) END
            FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $5::text[], $6::int4[], $7::int4[],
                        $8::int8[], $9::text[], $10::text[], $11::text[], $12::text[], $13::int4[], $14::text[],
                        $15::int8[], $16::text[])
                 WITH ORDINALITY AS t(task_id, job_id, run_id, name, kind, rule_index, step_index, parent_id, site,
                                      queue, kwargs, input, input_total, state, subdag_id, subdag_node, ord)
            ORDER BY t.ord
            RETURNING id, task_id
            """,
            [
                .array(taskIDs), .array(jobs), .array(runs), .array(names), .array(kinds), .array(rules), .array(steps),
                .array(parents), .array(sites), .array(queues), .array(kwargs), .array(inputs), .array(totals),
                .array(states), .array(subdags), .array(nodes), .bool(claimed),
                Dispatcher.claimSeconds,
            ])
        // RETURNING order is not guaranteed: map by the wire id.
        var ids: [String: Int64] = [:]
        for row in rows { ids[try row.decode(String.self, "task_id")] = try row.decode(Int64.self, "id") }
        return try tasks.map { task in
            guard let id = ids[task.taskID] else { throw EngineError.missingTask(task.taskID) }
            return id
        }
    }
}
