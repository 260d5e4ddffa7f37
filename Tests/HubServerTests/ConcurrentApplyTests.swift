import Foundation
import HubCore
import Postgres
import Shared
import Testing

@testable import HubServer

/// Results applied by several appliers at once (the consumer's lanes, or replicas), against real
/// PostgreSQL: each records its tasks without the job's lock and advances the job under it, so the job
/// ends once, with every counter right, and duplicates applied at the same time change nothing.
@Suite struct ConcurrentApplyTests {
    @Test func concurrentAppliersEndTheJobOnceWithEveryCounterRight() async throws {
        try await EngineFixture.with { fixture in
            let engine = fixture.engine
            // A site with a worker queue, one file per task, and a migrate job on 240 files without discovery.
            try await fixture.recordWorkerNode()
            try await fixture.pool.execute("UPDATE sites SET file_batch_size = 1 WHERE name = $1", [.string(fixture.site)])
            try await engine.workflows.seedDefaults(logger: engine.logger)
            let files = (0..<240).map { "/mmfs1/data/f\($0)" }
            let job = try await engine.submit(
                [
                    "workflow": .string("migrate"), "site": .string(fixture.site), "paths": .array(files.map(JSONValue.string)),
                    "discovery": .null, "fields": .object([:]),
                ], owner: nil)
            let rows = try await fixture.pool.query(
                "SELECT task_id, input->0->>'path' AS path FROM tasks WHERE job_id = $1 AND state = 'PENDING'", [.int64(job)])
            #expect(rows.count == files.count)
            let results = try rows.map { row -> HubMessage in
                let path = try row.decode(String.self, "path")
                var status = TaskStatus(task: "dynamo.tasks.migrate", inputPaths: [PathItem(path: path)], started: Date())
                status.add(.processed, FileDetail(path: path))
                return .result(
                    TaskResult(
                        taskID: try row.decode(String.self, "task_id"), attempt: 1, jobID: Int(job), paths: [PathItem(path: path)],
                        status: status, node: "node-1"))
            }

            // Eight appliers at once, each on its own connection. In the first round each result is in two
            // shares, so every one races its duplicate (a worker that published twice, a lane that reclaimed
            // a slow batch); in the second, all of them come again, as after a hub died before acking.
            for round in 0..<2 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for share in 0..<8 {
                        let mine = results.indices.filter { $0 % 8 == share || (round == 0 && ($0 + 1) % 8 == share) }.map { results[$0] }
                        group.addTask { try await engine.apply(mine) }
                    }
                    try await group.waitForAll()
                }
                await engine.pipeline.flush()
                let row = try #require(
                    try await fixture.pool.query(
                        "SELECT state, open_tasks, total_tasks, failed_tasks, numfiles FROM jobs WHERE id = $1", [.int64(job)]
                    ).first)
                #expect(try row.decode(String.self, "state") == "SUCCESS", "round \(round)")
                #expect(try row.decode(Int.self, "open_tasks") == 0, "round \(round)")
                #expect(try row.decode(Int.self, "total_tasks") == files.count, "round \(round)")
                #expect(try row.decode(Int.self, "failed_tasks") == 0)
                #expect(try row.decode(Int.self, "numfiles") == files.count)
                #expect(
                    try await fixture.count("SELECT count(*) AS n FROM tasks WHERE job_id = $1 AND state = 'SUCCESS'", [.int64(job)])
                        == files.count)
                #expect(
                    try await fixture.count(
                        "SELECT count(*) AS n FROM task_files WHERE job_id = $1 AND state = 'processed'", [.int64(job)]) == files.count,
                    "each file's outcome is stored once")
            }
        }
    }
}
