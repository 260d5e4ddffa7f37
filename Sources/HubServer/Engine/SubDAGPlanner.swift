import Foundation
import HubCore
import Postgres
import Shared

/// Follows sub-DAGs (manual L9709-9785) inside one result-applying transaction.
///
/// A graph arrives with the result of the task that submitted it, so it is stored and its roots created
/// in the transaction that closes that task: it exists exactly once, and the job cannot finish before
/// it. Every other node is created when the last of its parents closes, with the paths its parents passed
/// on (translated to its own site). Like a chain's next step: a node whose parent failed as a whole is
/// recorded CANCELLED, one left with nothing to do SKIPPED, and either closes its own children the same way.
struct SubDAGPlanner {
    /// What one node of a stored graph came to, as far as the engine knows.
    struct NodeOutcome {
        var state: TaskState
        var site: String
        var passedOn: [PathItem]
    }

    /// A stored graph and the outcomes of the nodes created so far.
    private struct Stored {
        var graph: SubDAG
        var jobID: Int64
        var runID: Int64
        var submitter: Int64
        var site: String
        var queue: String
        var outcomes: [String: NodeOutcome]
    }

    let conn: PostgresConnection
    private var stored: [Int64: Stored] = [:]
    private var mountMap: MountMap?
    private var liveQueues: [String: Set<String>]?

    init(conn: PostgresConnection) {
        self.conn = conn
    }

    /// Step tasks the hub alone sends: settings are pushed through `/api/settings/` (on the settings
    /// function), and the snapdiff finalizer releases a fileset's lock and is sent even to paused jobs.
    static let hubOnly: Set<String> = [
        SystemTaskOutcome.readSettings, SystemTaskOutcome.applySettings, SnapdiffFinalizer.task,
    ]

    /// Most nodes the graphs of one result may have together.
    static let maxNodesPerResult = 1000

    /// Tasks a sub-DAG may run: the worker's step tasks and plugin tasks, not the hub's settings tasks.
    static func isAllowed(task: String) -> Bool {
        KnownTasks.isPlugin(task) || (KnownTasks.stepTasks.contains(task) && !hubOnly.contains(task))
    }

    /// Why the hub refuses the sub-DAGs a result carries (the field named), or nil. A refused graph fails
    /// its submitting task instead of being half created. `queues` are the live queues of each site;
    /// `site` is the submitting task's, where nodes without a site of their own run.
    static func rejection(of graphs: [SubDAG], queues: [String: Set<String>], site: String) -> String? {
        let total = graphs.reduce(0) { $0 + $1.nodes.count }
        guard total <= maxNodesPerResult else { return "subdags: \(total) nodes in all (at most \(maxNodesPerResult))" }
        for (index, graph) in graphs.enumerated() {
            let field = "subdags[\(index)]"
            if let error = graph.structuralError { return "\(field).\(error)" }
            // PostgreSQL refuses NUL in text and jsonb: caught here, it fails the task instead of the batch.
            if let at = graph.paths.firstIndex(where: { $0.path.contains("\u{0}") }) {
                return "\(field).paths[\(at)]: contains a NUL character"
            }
            for (at, node) in graph.nodes.enumerated() {
                let nodeField = "\(field).nodes[\(at)]"
                guard isAllowed(task: node.task) else {
                    return "\(nodeField).task: '\(node.task)' is not a task a sub-DAG can run"
                }
                if let site = node.site, queues[site] == nil { return "\(nodeField).site: unknown site '\(site)'" }
                if let queue = node.queue {
                    do { _ = try QueueName(site: "site", queue: queue, function: .worker) } catch {
                        return "\(nodeField).queue: \(error.reason)"
                    }
                    // A queue no worker serves would leave the node, and the job, pending for ever.
                    let nodeSite = node.site ?? site
                    guard queues[nodeSite]?.contains(queue) == true else {
                        return "\(nodeField).queue: no queue '\(queue)' on site '\(nodeSite)'"
                    }
                }
                if node.id.contains("\u{0}") || node.task.contains("\u{0}") || containsNUL(.object(node.kwargs)) {
                    return "\(nodeField): contains a NUL character"
                }
            }
        }
        return nil
    }

    private static func containsNUL(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): text.contains("\u{0}")
        case .array(let list): list.contains(where: containsNUL)
        case .object(let object): object.contains { $0.key.contains("\u{0}") || containsNUL($0.value) }
        case .null, .bool, .int, .double: false
        }
    }

    /// The live queues of every site (queues registered by heartbeats and not removed), read once.
    mutating func queuesBySite() throws -> [String: Set<String>] {
        if let liveQueues { return liveQueues }
        var map: [String: Set<String>] = [:]
        for name in try conn.query("SELECT name FROM sites").decodeColumn(String.self, "name") { map[name] = [] }
        for row in try conn.query(
            "SELECT s.name AS site, q.name AS queue FROM queues q JOIN sites s ON s.id = q.site_id WHERE q.removed_at IS NULL")
        {
            map[try row.decode(String.self, "site"), default: []].insert(try row.decode(String.self, "queue"))
        }
        liveQueues = map
        return map
    }

    /// Stores `graph`, submitted by task `submitter` (running on `queue`), and returns its root tasks.
    mutating func submit(
        _ graph: SubDAG, jobID: Int64, runID: Int64, submitter: Int64, queue: QueueName, cancelled: Bool
    ) throws -> [NewTask] {
        let encoded = String(decoding: try WireCoding.encoder().encode(graph), as: UTF8.self)
        guard
            let id = try conn.query(
                """
                INSERT INTO subdags (job_id, run_id, task_id, site, queue, graph) VALUES ($1, $2, $3, $4, $5, $6::jsonb)
                RETURNING id
                """,
                [.int64(jobID), .int64(runID), .int64(submitter), .string(queue.site), .string(queue.queue), .string(encoded)]
            ).first.map({ try $0.decode(Int64.self, "id") })
        else { throw EngineError.missingTask("sub-DAG of task \(submitter)") }
        stored[id] = Stored(
            graph: graph, jobID: jobID, runID: runID, submitter: submitter, site: queue.site, queue: queue.queue,
            outcomes: [:])
        var tasks: [NewTask] = []
        for root in graph.nodes where root.parents.isEmpty {
            tasks += try create(root, in: id, input: [(queue.site, graph.paths)], anyFailed: false, cancelled: cancelled)
        }
        return tasks
    }

    /// Records that node `node` of sub-DAG `id` closed in `state`, passing on `passedOn`, and returns the
    /// children that it was the last parent of.
    mutating func closed(
        node: String, of id: Int64, state: TaskState, site: String, passedOn: [PathItem], cancelled: Bool
    ) throws -> [NewTask] {
        try load(id)
        stored[id]?.outcomes[node] = NodeOutcome(state: state, site: site, passedOn: passedOn)
        return try release(childrenOf: node, in: id, cancelled: cancelled)
    }

    /// Creates every child of `node` whose parents have all closed.
    private mutating func release(childrenOf node: String, in id: Int64, cancelled: Bool) throws -> [NewTask] {
        guard let graph = stored[id]?.graph else { return [] }
        var tasks: [NewTask] = []
        for child in graph.children(of: node) where stored[id]?.outcomes[child.id] == nil {
            let parents = child.parents.compactMap { stored[id]?.outcomes[$0] }
            guard parents.count == child.parents.count, parents.allSatisfy(\.state.isFinal) else { continue }
            let anyFailed = parents.contains { $0.state == .failure || $0.state == .cancelled }
            tasks += try create(
                child, in: id, input: parents.map { ($0.site, $0.passedOn) }, anyFailed: anyFailed, cancelled: cancelled)
        }
        return tasks
    }

    /// The task for `node` on its parents' passed-on paths (each from its own site), and, when it is closed
    /// at once (cancelled or skipped), the children it releases in turn.
    private mutating func create(
        _ node: SubDAG.Node, in id: Int64, input: [(site: String, items: [PathItem])], anyFailed: Bool, cancelled: Bool
    ) throws -> [NewTask] {
        guard let graph = stored[id] else { return [] }
        let site = node.site ?? graph.site
        let function: QueueName.Function = KnownTasks.isPlugin(node.task) ? .custom : .worker
        // Without a queue of its own a node takes the submitter's, or `default` where its site has no such
        // queue (as workflow steps on another site do, StepSubstitution.inheritedQueue).
        let sameQueueThere = site == graph.site ? true : try queuesBySite()[site]?.contains(graph.queue) ?? false
        let inherited = sameQueueThere ? graph.queue : "default"
        let queue = try QueueName(site: site, queue: node.queue ?? inherited, function: function)
        var items: [PathItem] = []
        var seen = Set<String>()
        for (from, parentItems) in input {
            let translated = from == site ? parentItems : try mounts().translate(parentItems, from: from, to: site)
            for item in translated where seen.insert(item.path).inserted { items.append(item) }
        }
        let state: TaskState = anyFailed || cancelled ? .cancelled : (items.isEmpty ? .skipped : .pending)
        var task = NewTask(
            jobID: graph.jobID, runID: graph.runID, name: node.task, kind: .step, parentID: graph.submitter, queue: queue,
            kwargs: node.kwargs, input: state == .pending ? items : [], state: state)
        task.subdag = (id, node.id)
        stored[id]?.outcomes[node.id] = NodeOutcome(state: state, site: site, passedOn: [])
        guard state.isFinal else { return [task] }
        return [task] + (try release(childrenOf: node.id, in: id, cancelled: cancelled))
    }

    /// Reads a graph and its nodes' outcomes once per transaction (the job row is locked, so they cannot
    /// change under it).
    private mutating func load(_ id: Int64) throws {
        guard stored[id] == nil else { return }
        guard
            let row = try conn.query(
                "SELECT job_id, run_id, task_id, site, queue, graph::text AS graph FROM subdags WHERE id = $1", [.int64(id)]
            ).first
        else { throw EngineError.missingTask("sub-DAG \(id)") }
        var outcomes: [String: NodeOutcome] = [:]
        for node in try conn.query(
            "SELECT subdag_node, state, site, passed_on::text AS passed_on FROM tasks WHERE subdag_id = $1", [.int64(id)])
        {
            let passedOn = try node.decode(String?.self, "passed_on").map {
                try WireCoding.decode([PathItem].self, from: Array($0.utf8))
            }
            outcomes[try node.decode(String.self, "subdag_node")] = NodeOutcome(
                state: TaskState(rawValue: try node.decode(String.self, "state")) ?? .failure,
                site: try node.decode(String.self, "site"), passedOn: passedOn ?? [])
        }
        stored[id] = Stored(
            graph: try WireCoding.decode(SubDAG.self, from: Array(try row.decode(String.self, "graph").utf8)),
            jobID: try row.decode(Int64.self, "job_id"), runID: try row.decode(Int64.self, "run_id"),
            submitter: try row.decode(Int64.self, "task_id"), site: try row.decode(String.self, "site"),
            queue: try row.decode(String.self, "queue"), outcomes: outcomes)
    }

    /// The mount map, read at most once per transaction (the result applier's chains use it too).
    mutating func mounts() throws -> MountMap {
        if let mountMap { return mountMap }
        let map = try MountMap.load(on: conn)
        mountMap = map
        return map
    }
}
