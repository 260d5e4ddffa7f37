import Foundation
import Shared
import Testing

/// Pins the wire format: each fixture in Golden/ must decode to the value built here, and that value must
/// encode to exactly the fixture's JSON (compared as JSON values, so whitespace does not matter but every
/// key, type and value does).
@Suite struct GoldenTests {
    static let taskID = "7f7a1e0e-3b8c-4c1e-9d0e-2a4b5c6d7e8f"

    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Golden"))
        return Array(try Data(contentsOf: url))
    }

    static func date(_ text: String) throws -> Date {
        try #require(WireCoding.parseDate(text))
    }

    /// Decodes the fixture as `T`, checks it equals `expected`, and checks `expected` encodes to the fixture.
    func check<T: Codable & Equatable>(_ name: String, _ expected: T) throws {
        let bytes = try Self.fixture(name)
        let decoded = try WireCoding.decode(T.self, from: bytes)
        #expect(decoded == expected)
        let encoded = try WireCoding.encode(expected)
        let fixtureJSON = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        let encodedJSON = try JSONDecoder().decode(JSONValue.self, from: Data(encoded))
        #expect(encodedJSON == fixtureJSON, "encoding of \(T.self) drifted from Golden/\(name).json")
    }

    @Test func taskEnvelope() throws {
        let envelope = TaskEnvelope(
            taskID: Self.taskID, attempt: 2, jobID: 100, task: "dynamo.tasks.migrate",
            queue: try QueueName(parsing: "london.highpriority#worker"),
            kwargs: ["premigrate": false, "stub_size": 0, "lock_level": "implicit", "endpoint": "cloud", "sub_batch": nil],
            paths: [
                PathItem(path: "/mmfs1/data/my-fileset/file1", size: 264321),
                PathItem(
                    path: "/mmfs1/data/my-fileset/moved", size: 12, state: "moved", source: "/mmfs1/data/my-fileset/old",
                    additionalMetadata: ["inode": 4242, "generation": 7]),
            ],
            streamResults: false, enqueuedAt: try Self.date("2026-11-22T13:45:00.125Z"))
        try check("task_envelope", envelope)
    }

    @Test func taskResult() throws {
        var status = TaskStatus(
            task: "dynamo.tasks.migrate",
            inputPaths: [PathItem(path: "/mmfs1/data/my-fileset/file1"), PathItem(path: "/mmfs1/data/my-fileset/file2")],
            started: try Self.date("2023-04-25T14:56:31.253Z"))
        status.add(.failures, FileDetail(path: "/mmfs1/data/my-fileset/file2", message: ["Reason xyz for the failure"]))
        status.add(.processed, FileDetail(path: "/mmfs1/data/my-fileset/file1", size: 264321))
        let result = TaskResult(
            taskID: Self.taskID, attempt: 2, jobID: 100, paths: [PathItem(path: "/mmfs1/data/my-fileset/file1")],
            status: status, logs: ["ngmigrate exited with status 1"], node: "pixstor-node1")
        try check("task_result", HubMessage.result(result))
    }

    @Test func started() throws {
        try check(
            "task_started",
            HubMessage.started(
                TaskStarted(taskID: "t-1", attempt: 1, jobID: 5, node: "node1", started: try Self.date("2026-11-22T13:45:01Z"))))
    }

    @Test func progress() throws {
        let batch = FileOutcomeBatch(
            taskID: "t-1", attempt: 1, jobID: 5, state: .processed,
            files: [FileDetail(path: "/mmfs1/a"), FileDetail(path: "/mmfs1/b", message: ["already migrated"])])
        try check("progress", HubMessage.progress(batch))
    }

    @Test func heartbeat() throws {
        let beat = Heartbeat(
            node: "node1", site: "london", softwareVersion: "0.1.0",
            queues: [
                .init(queue: "default", functions: ["worker": 10, "discovery": 10, "interactive": 10, "settings": 10, "custom": 10]),
                .init(queue: "highpriority", functions: ["worker": 4]),
            ],
            pluginTasks: ["dynamo.custom.email_staff"], sent: try Self.date("2026-11-22T13:45:05.5Z"),
            started: try Self.date("2026-11-22T13:00:00Z"), ttl: 15)
        try check("heartbeat", HubMessage.heartbeat(beat))
    }

    /// A result carrying a sub-DAG (manual L9709-9785): the graph travels with the result that submits it.
    @Test func resultWithSubDAG() throws {
        let graph = SubDAG(
            paths: [PathItem(path: "/mmfs1/data/file1")],
            nodes: [
                .init(id: "a", task: "dynamo.tasks.remove_location_xattrs_for_moved", kwargs: ["jobid": 100]),
                .init(
                    id: "b", task: "dynamo.tasks.reverse_stub",
                    kwargs: ["hydrate": false, "overwrite": true, "extra_flags": ["--skip-check-uuid"]], site: "dublin",
                    parents: ["a"]),
            ])
        let status = TaskStatus(
            task: "dynamo.custom.submit_stub", inputPaths: [PathItem(path: "/mmfs1/data/file1")],
            started: try Self.date("2023-04-25T14:56:31.253Z"))
        let result = TaskResult(
            taskID: "t-9", attempt: 1, jobID: 100, paths: [], status: status, node: "node1", subdags: [graph])
        try check("task_result_subdag", HubMessage.result(result))
        #expect(graph.structuralError == nil)
        #expect(graph.topologicalOrder == ["a", "b"])
    }

    @Test func subDAGStructureErrorsNameTheField() {
        func error(_ nodes: [SubDAG.Node]) -> String? { SubDAG(paths: [], nodes: nodes).structuralError }
        #expect(error([]) == "nodes: a sub-DAG needs at least one node")
        #expect(error([.init(id: "a", task: "t"), .init(id: "a", task: "u")]) == "nodes[1].id: 'a' is used twice")
        #expect(error([.init(id: "a", task: "")]) == "nodes[0].task: must not be empty")
        #expect(error([.init(id: "a", task: "t", parents: ["z"])]) == "nodes[0].parents: 'z' is not a node of this sub-DAG")
        #expect(
            error([.init(id: "a", task: "t", parents: ["b"]), .init(id: "b", task: "t", parents: ["a"])])
                == "nodes: the parents form a cycle")
        #expect(error((0...SubDAG.maxNodes).map { .init(id: "n\($0)", task: "t") }) == "nodes: 101 nodes (at most 100)")
        let diamond = SubDAG(paths: [], nodes: [
            .init(id: "d", task: "t", parents: ["b", "c"]), .init(id: "b", task: "t", parents: ["a"]),
            .init(id: "c", task: "t", parents: ["a"]), .init(id: "a", task: "t"),
        ])
        #expect(diamond.structuralError == nil)
        let order = diamond.topologicalOrder ?? []
        #expect(order.first == "a" && order.last == "d" && order.count == 4)
    }

    /// The manual's own example payload (L9189-9216, its garbling cleaned up) decodes: naive `started`
    /// with microseconds, messages as lists, empty states.
    @Test func manualResultExampleDecodes() throws {
        struct Payload: Decodable {
            var jobid: Int
            var paths: [PathItem]
            var status: TaskStatus
        }
        let payload = try WireCoding.decode(Payload.self, from: try Self.fixture("manual_result_example"))
        #expect(payload.jobid == 100)
        #expect(payload.status.summary == ["failures": 1, "processed": 1, "skipped": 0])
        #expect(payload.status.files(in: .failures).first?.message == ["Reason xyz for the failure"])
        #expect(payload.status.files(in: .skipped).isEmpty)
        let expected = try Self.date("2023-04-25T14:56:31.253Z")
        #expect(abs(payload.status.started.timeIntervalSince(expected)) < 0.001)
    }
}
