import Foundation
import HubCore
import Postgres
import Shared
import Testing

@testable import HubServer

/// Results without `paths` or `input_paths` (what workers send): the hub derives what a step hands on
/// from the input it stored, against real PostgreSQL.
@Suite struct DerivedPathsTests {
    /// A worker node and a `two_steps` workflow: migrate, then recall, on every file.
    static func twoSteps(_ fixture: EngineFixture) async throws {
        try await fixture.recordWorkerNode()
        var flow = try #require(DefaultWorkflows.named("migrate"))
        flow.name = "two_steps"
        flow.fields = []
        flow.filterRules = [
            FilterRule(state: "all", type: "all", action: [ActionStep(name: "dynamo.tasks.migrate"), ActionStep(name: "dynamo.tasks.recall")])
        ]
        _ = try await fixture.engine.workflows.create(flow)
    }

    @Test func theNextStepGetsTheStoredItemsOfProcessedAndSkippedFilesWithTheirMetadata() async throws {
        try await EngineFixture.with { fixture in
            let engine = fixture.engine
            try await Self.twoSteps(fixture)
            // State-based paths without discovery: the items keep their `state`, as the next step must see.
            let paths: [JSONValue] = (0..<4).map { .object(["path": .string("/mmfs1/data/f\($0)"), "state": "updated"]) }
            let job = try await engine.submit(
                ["workflow": "two_steps", "site": .string(fixture.site), "paths": .array(paths), "discovery": .null, "fields": .object([:])],
                owner: nil)
            let first = try #require(
                try await fixture.pool.query(
                    "SELECT task_id, input::text AS input FROM tasks WHERE job_id = $1 AND step_index = 0", [.int64(job)]
                ).first)
            let input = try WireCoding.decode([PathItem].self, from: Array(try first.decode(String.self, "input").utf8))
            #expect(input.count == 4 && input.allSatisfy { $0.state == "updated" })
            // As a worker reports: no `paths`, no `input_paths`; f0 and f2 processed, f1 skipped, f3 failed.
            var status = TaskStatus(task: "dynamo.tasks.migrate", inputPaths: [], inputTotal: 4, started: Date())
            status.add(.skipped, FileDetail(path: input[1].path))
            status.add(.processed, FileDetail(path: input[0].path, size: 7))
            status.add(.processed, FileDetail(path: input[2].path))
            status.add(.failures, FileDetail(path: input[3].path, message: ["no space"]))
            try await engine.apply([
                .result(TaskResult(taskID: try first.decode(String.self, "task_id"), attempt: 1, jobID: Int(job), paths: nil, status: status, node: "node-1"))
            ])
            await engine.pipeline.flush()
            let next = try #require(
                try await fixture.pool.query(
                    "SELECT name, input::text AS input FROM tasks WHERE job_id = $1 AND step_index = 1", [.int64(job)]
                ).first)
            #expect(try next.decode(String.self, "name") == "dynamo.tasks.recall")
            let handedOn = try WireCoding.decode([PathItem].self, from: Array(try next.decode(String.self, "input").utf8))
            // Processed first, then skipped; each its stored item (state kept), not a bare path.
            #expect(handedOn == [input[0], input[2], input[1]])
        }
    }

    @Test func aFailedStepWithoutPathsCancelsTheRestOfItsChain() async throws {
        try await EngineFixture.with { fixture in
            let engine = fixture.engine
            try await Self.twoSteps(fixture)
            let job = try await engine.submit(
                ["workflow": "two_steps", "site": .string(fixture.site), "paths": ["/mmfs1/data/a"], "discovery": .null, "fields": .object([:])],
                owner: nil)
            let taskID = try #require(
                try await fixture.pool.query("SELECT task_id FROM tasks WHERE job_id = $1 AND step_index = 0", [.int64(job)])
                    .decodeColumn(String.self, "task_id").first)
            let status = TaskStatus(task: "dynamo.tasks.migrate", inputPaths: [], inputTotal: 1, started: Date())
            try await engine.apply([
                .result(TaskResult(taskID: taskID, attempt: 1, jobID: Int(job), paths: [], status: status, error: "tool crashed", node: "node-1"))
            ])
            await engine.pipeline.flush()
            #expect(
                try await fixture.pool.query("SELECT state FROM tasks WHERE job_id = $1 AND step_index = 1", [.int64(job)])
                    .decodeColumn(String.self, "state") == ["CANCELLED"])
            #expect(try await fixture.state(of: job) == "FAILURE")
        }
    }

    @Test func aStaleStartedTaskIsInvalidatedAndCancelsTheRestOfItsChain() async throws {
        try await EngineFixture.with { fixture in
            let engine = fixture.engine
            try await Self.twoSteps(fixture)
            let job = try await engine.submit(
                ["workflow": "two_steps", "site": .string(fixture.site), "paths": ["/mmfs1/data/a", "/mmfs1/data/b"], "discovery": .null, "fields": .object([:])],
                owner: nil)
            // Started an hour ago on a node that never sent a heartbeat.
            try await fixture.pool.execute(
                "UPDATE tasks SET state = 'STARTED', started = now() - interval '1 hour', node = 'gone:1' WHERE job_id = $1 AND step_index = 0",
                [.int64(job)])
            #expect(try await engine.invalidateStaleTasks(olderThan: 60, nodeOnline: 60) == 1)
            await engine.pipeline.flush()
            let rows = try await fixture.pool.query(
                "SELECT step_index, state, error FROM tasks WHERE job_id = $1 ORDER BY step_index", [.int64(job)])
            #expect(try rows.map { try $0.decode(String.self, "state") } == ["FAILURE", "CANCELLED"])
            #expect(try rows.first?.decode(String?.self, "error")?.hasPrefix("invalidated:") == true)
            #expect(try await fixture.state(of: job) == "FAILURE")
            // Counted once for the alert: a second round finds nothing, and a replay of the result adds nothing.
            #expect(try await engine.invalidateStaleTasks(olderThan: 60, nodeOnline: 60) == 0)
            let taskID = try #require(
                try await fixture.pool.query("SELECT task_id FROM tasks WHERE job_id = $1 AND step_index = 0", [.int64(job)])
                    .decodeColumn(String.self, "task_id").first)
            try await engine.apply([
                .result(
                    TaskResult(
                        taskID: taskID, attempt: 1, jobID: Int(job), paths: [],
                        status: TaskStatus(task: "", inputPaths: [], inputTotal: 2, started: Date()), error: "invalidated: replayed"))
            ])
            #expect(try await engine.invalidatedTasksBySite() == [fixture.site: 1])
            // A day later the count is gone.
            try await fixture.pool.execute("UPDATE task_invalidations SET at = now() - interval '25 hours'")
            #expect(try await engine.invalidatedTasksBySite().isEmpty)
            #expect(try await fixture.count("SELECT count(*) AS n FROM task_invalidations") == 0)
        }
    }
}
