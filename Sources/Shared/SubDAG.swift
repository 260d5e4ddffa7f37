/// A graph of tasks a running task submits; its tasks join the parent job for reporting and job control
/// (manual L9709-9785). It travels in the submitting task's result (`TaskResult.subdags`).
///
/// Roots (nodes without parents) receive `paths`; every other node receives the paths its parents pass on
/// (processed and skipped files), once all of them have finished.
public struct SubDAG: Sendable, Hashable, Codable {
    /// One task of the graph (`Graph.add_task(name, kwargs=, site=, parents=)`, L9751-9773).
    public struct Node: Sendable, Hashable, Codable {
        /// Id local to this graph, referenced by `parents`.
        public var id: String
        public var task: String
        public var kwargs: [String: JSONValue]
        /// Site to run on; nil = the submitting task's site.
        public var site: String?
        /// Queue to run on; nil = the submitting task's queue.
        public var queue: String?
        /// Ids of nodes that must finish first.
        public var parents: [String]

        public init(
            id: String, task: String, kwargs: [String: JSONValue] = [:], site: String? = nil, queue: String? = nil,
            parents: [String] = []
        ) {
            self.id = id
            self.task = task
            self.kwargs = kwargs
            self.site = site
            self.queue = queue
            self.parents = parents
        }
    }

    /// Input paths of the root nodes.
    public var paths: [PathItem]
    public var nodes: [Node]

    public init(paths: [PathItem], nodes: [Node]) {
        self.paths = paths
        self.nodes = nodes
    }

    /// Most nodes one graph may have: a graph is a few steps per batch, not a job's worth of batches.
    public static let maxNodes = 100

    /// What is structurally wrong with the graph (field named), or nil: no nodes or too many, an empty or
    /// repeated id, an empty task name, a parent that is not a node of the graph, or a cycle.
    public var structuralError: String? {
        guard !nodes.isEmpty else { return "nodes: a sub-DAG needs at least one node" }
        guard nodes.count <= Self.maxNodes else { return "nodes: \(nodes.count) nodes (at most \(Self.maxNodes))" }
        var ids = Set<String>()
        for (index, node) in nodes.enumerated() {
            guard !node.id.isEmpty else { return "nodes[\(index)].id: must not be empty" }
            guard ids.insert(node.id).inserted else { return "nodes[\(index)].id: '\(node.id)' is used twice" }
            guard !node.task.isEmpty else { return "nodes[\(index)].task: must not be empty" }
        }
        for (index, node) in nodes.enumerated() {
            if let unknown = node.parents.first(where: { !ids.contains($0) }) {
                return "nodes[\(index)].parents: '\(unknown)' is not a node of this sub-DAG"
            }
        }
        return topologicalOrder == nil ? "nodes: the parents form a cycle" : nil
    }

    /// Node ids with every node after its parents; nil when the parents form a cycle (Kahn's algorithm).
    public var topologicalOrder: [String]? {
        var waiting = Dictionary(nodes.map { ($0.id, Set($0.parents)) }, uniquingKeysWith: { first, _ in first })
        var order: [String] = []
        var ready = nodes.filter(\.parents.isEmpty).map(\.id)
        while let id = ready.popLast() {
            order.append(id)
            waiting[id] = nil
            for (child, parents) in waiting where parents.contains(id) {
                var rest = parents
                rest.remove(id)
                waiting[child] = rest
                if rest.isEmpty { ready.append(child) }
            }
        }
        return waiting.isEmpty ? order : nil
    }

    /// The nodes whose parents include `id`.
    public func children(of id: String) -> [Node] {
        nodes.filter { $0.parents.contains(id) }
    }
}
