import Shared
import Testing

@testable import HubServer

/// What the hub refuses in a result's sub-DAGs, each with the field named (the submitting task then fails
/// with the reason and nothing of the graph is created; the end-to-end side is SubDAGTests).
@Suite struct SubDAGRejectionTests {
    static let queues: [String: Set<String>] = ["north": ["default", "fast"], "south": ["default"]]

    func rejection(_ nodes: [SubDAG.Node], paths: [PathItem] = [PathItem(path: "/mmfs1/a")]) -> String? {
        SubDAGPlanner.rejection(of: [SubDAG(paths: paths, nodes: nodes)], queues: Self.queues, site: "north")
    }

    @Test func runnableGraphsPass() {
        #expect(rejection([.init(id: "a", task: "dynamo.tasks.migrate"), .init(id: "b", task: "dynamo.custom.tag", site: "south", parents: ["a"])]) == nil)
    }

    @Test(arguments: [
        ("dynamo.tasks.rotate_snapshot", "subdags[0].nodes[0].task: 'dynamo.tasks.rotate_snapshot' is not a task a sub-DAG can run"),
        ("dynamo.tasks.set_config_and_apply", "subdags[0].nodes[0].task: 'dynamo.tasks.set_config_and_apply' is not a task a sub-DAG can run"),
        ("dynamo.tasks.recursive_navigate", "subdags[0].nodes[0].task: 'dynamo.tasks.recursive_navigate' is not a task a sub-DAG can run"),
        ("dynamo.custom.", "subdags[0].nodes[0].task: 'dynamo.custom.' is not a task a sub-DAG can run"),
    ])
    func hubOnlyAndUnknownTasksAreRefused(task: String, expected: String) {
        #expect(rejection([.init(id: "a", task: task)]) == expected)
    }

    @Test func sitesQueuesSizesAndNULsAreChecked() {
        #expect(rejection([.init(id: "a", task: "dynamo.tasks.noop", site: "atlantis")]) == "subdags[0].nodes[0].site: unknown site 'atlantis'")
        #expect(rejection([.init(id: "a", task: "dynamo.tasks.noop", queue: "a.b")])?.hasPrefix("subdags[0].nodes[0].queue: ") == true)
        #expect(rejection([.init(id: "a", task: "dynamo.tasks.noop", queue: "fast")]) == nil, "north has fast")
        #expect(
            rejection([.init(id: "a", task: "dynamo.tasks.noop", site: "south", queue: "fast")])
                == "subdags[0].nodes[0].queue: no queue 'fast' on site 'south'")
        #expect(rejection([.init(id: "a", task: "dynamo.tasks.noop", kwargs: ["x": ["ok", "bad\u{0}"]])]) == "subdags[0].nodes[0]: contains a NUL character")
        #expect(rejection([.init(id: "a", task: "dynamo.tasks.noop")], paths: [PathItem(path: "/a\u{0}b")]) == "subdags[0].paths[0]: contains a NUL character")
        #expect(rejection([.init(id: "a", task: "dynamo.tasks.noop", parents: ["a"])]) == "subdags[0].nodes: the parents form a cycle")
        let many = (0..<SubDAG.maxNodes).map { SubDAG.Node(id: "n\($0)", task: "dynamo.tasks.noop") }
        let graphs = Array(repeating: SubDAG(paths: [], nodes: many), count: 11)
        #expect(SubDAGPlanner.rejection(of: graphs, queues: Self.queues, site: "north") == "subdags: 1100 nodes in all (at most 1000)")
    }
}
