import Shared

/// The `{"subdag": {...}}` plugin output line (docs/plugins.md, "Sub-DAGs"): the manual's `submit_subdag`
/// (L9709-9785) for programs. Two forms:
/// - a graph, as `Graph.add_task` builds it:
///   `{"paths": [...], "nodes": [{"id": "a", "task": "dynamo.tasks.x", "kwargs": {}, "site": "s", "parents": []}]}`
/// - one task, as `task_template` builds it: `{"paths": [...], "task": "dynamo.tasks.x", "kwargs": {}, "site": "s"}`
///
/// `name` is accepted for `task`, and a path may be a string or `{"path": ...}`, as in the manual's examples.
enum PluginSubDAGLine {
    static func parse(_ value: JSONValue) throws(PluginLineError) -> SubDAG {
        guard case .object(let fields) = value else { throw PluginLineError("\"subdag\" must be an object") }
        let hasNodes = fields["nodes"] != nil
        let allowed: Set<String> = hasNodes ? ["paths", "nodes"] : ["paths", "task", "name", "kwargs", "site", "queue"]
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw PluginLineError("unknown key subdag.\(unknown) (expected \(allowed.sorted().joined(separator: ", ")))")
        }
        let paths = try self.paths(fields["paths"])
        if hasNodes {
            guard case .array(let list)? = fields["nodes"] else { throw PluginLineError("subdag.nodes must be a list") }
            var nodes: [SubDAG.Node] = []
            for (index, entry) in list.enumerated() {
                guard case .object(let node) = entry else { throw PluginLineError("subdag.nodes[\(index)] must be an object") }
                nodes.append(try self.node(node, field: "subdag.nodes[\(index)]", defaultID: nil))
            }
            return try checked(SubDAG(paths: paths, nodes: nodes))
        }
        var single = fields
        single["paths"] = nil
        return try checked(SubDAG(paths: paths, nodes: [try node(single, field: "subdag", defaultID: "task")]))
    }

    private static func checked(_ graph: SubDAG) throws(PluginLineError) -> SubDAG {
        if let error = graph.structuralError { throw PluginLineError("subdag.\(error)") }
        return graph
    }

    private static func paths(_ value: JSONValue?) throws(PluginLineError) -> [PathItem] {
        guard case .array(let list)? = value else { throw PluginLineError("subdag.paths must be a list of paths") }
        var items: [PathItem] = []
        for (index, entry) in list.enumerated() {
            switch entry {
            case .string(let path) where path.hasPrefix("/"):
                items.append(PathItem(path: path))
            case .object(let object):
                guard case .string(let path)? = object["path"], path.hasPrefix("/") else {
                    throw PluginLineError("subdag.paths[\(index)].path must be an absolute path")
                }
                let size: Int64? = if case .int(let bytes)? = object["size"] { bytes } else { nil }
                items.append(PathItem(path: path, size: size))
            default:
                throw PluginLineError("subdag.paths[\(index)] must be an absolute path or {\"path\": ...}")
            }
        }
        return items
    }

    private static func node(_ fields: [String: JSONValue], field: String, defaultID: String?) throws(PluginLineError) -> SubDAG.Node {
        if defaultID == nil {
            let allowed: Set<String> = ["id", "task", "name", "kwargs", "site", "queue", "parents"]
            if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
                throw PluginLineError("unknown key \(field).\(unknown) (expected \(allowed.sorted().joined(separator: ", ")))")
            }
        }
        let id: String
        if let defaultID {
            id = defaultID
        } else if case .string(let text)? = fields["id"] {
            id = text
        } else if case .int(let number)? = fields["id"] {
            id = String(number)
        } else {
            throw PluginLineError("\(field).id must be a string")
        }
        guard fields["task"] == nil || fields["name"] == nil else {
            throw PluginLineError("\(field): give \"task\" or \"name\", not both")
        }
        guard case .string(let task)? = fields["task"] ?? fields["name"] else {
            throw PluginLineError("\(field).task must be a task name such as \"dynamo.tasks.reverse_stub\"")
        }
        var kwargs: [String: JSONValue] = [:]
        switch fields["kwargs"] {
        case nil, .null?: break
        case .object(let object)?: kwargs = object
        default: throw PluginLineError("\(field).kwargs must be an object")
        }
        var parents: [String] = []
        switch fields["parents"] {
        case nil, .null?: break
        case .array(let list)?:
            for entry in list {
                switch entry {
                case .string(let parent): parents.append(parent)
                case .int(let parent): parents.append(String(parent))
                default: throw PluginLineError("\(field).parents must be a list of node ids")
                }
            }
        default: throw PluginLineError("\(field).parents must be a list of node ids")
        }
        return SubDAG.Node(
            id: id, task: task, kwargs: kwargs, site: try optionalString(fields["site"], "\(field).site"),
            queue: try optionalString(fields["queue"], "\(field).queue"), parents: parents)
    }

    private static func optionalString(_ value: JSONValue?, _ field: String) throws(PluginLineError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)? where !text.isEmpty: return text
        default: throw PluginLineError("\(field) must be a non-empty string")
        }
    }
}
