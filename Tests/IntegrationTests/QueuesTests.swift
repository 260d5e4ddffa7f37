import Foundation
import Testing

/// `/api/queues/` and the manual's removal rules (L10019-10075) with a real hub and worker.
@Suite(.serialized) struct QueuesTests {
    static func removeQueue(_ harness: EngineHarness, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await runTool(
            TestEnvironment.executable("ngeneahub"), ["manage", "remove_queue"] + arguments, environment: harness.hub.environment)
    }

    static func queues(_ admin: APIClient) async throws -> [[String: Any]] {
        try await admin.get("/api/queues/").object["results"] as? [[String: Any]] ?? []
    }

    @Test func queuesAreRegisteredAndRemovedAsTheManualSays() async throws {
        try await EngineHarness.with(
            redisIndex: 19, sites: ["london"], hubEnvironment: ["NGENEAHUB_CLEANUP_INTERVAL": "1", "NGENEAHUB_REMOVED_QUEUE_EXPIRY": "3"]
        ) { harness in
            let admin = harness.admin
            let site = try harness.site("london")
            let listed = try await Self.queues(admin)
            let queue = try #require(listed.first { $0["name"] as? String == "default" })
            #expect((queue["site"] as? [String: Any])?["name"] as? String == "london")
            #expect((queue["nodes"] as? [[String: Any]])?.first?["name"] as? String == "london-node1")
            let id = try #require(queue["id"] as? Int)
            #expect(try await admin.get("/api/queues/\(id)/").status == 200)

            // --offline-only refuses a queue a live worker runs.
            let refused = try await Self.removeQueue(harness, ["--offline-only", "london", "default"])
            #expect(refused.status == 1 && refused.output.contains("still online"), "\(refused.output)")
            #expect(try await Self.removeQueue(harness, ["london", "nosuch"]).status == 1)

            // Removed: hidden, not brought back by the worker's heartbeats, and no longer takes jobs.
            let removed = try await Self.removeQueue(harness, ["london", "default"])
            #expect(removed.status == 0, "\(removed.output)")
            try await Task.sleep(for: .seconds(3))
            #expect(try await Self.queues(admin).isEmpty, "a heartbeat brought a removed queue back")
            let path = try site.writeFiles("q", count: 1)
            let rejected = try await admin.post("/api/file/workflow/", ["workflow": "migrate", "site": "london", "queue": "default", "paths": path])
            #expect(rejected.status == 400 && rejected.object["queue"] != nil, "\(rejected.text)")

            // Once heartbeats stop for the expiry, it is forgotten; a worker starting it registers it again.
            await site.stopWorker()
            let forgotten = try await eventually(timeout: .seconds(20)) {
                try await Self.removeQueue(harness, ["london", "default"]).status == 1
            }
            #expect(forgotten, "the removed queue never expired")
            try site.startWorker(logs: harness.hub.logs)
            let back = try await eventually(timeout: .seconds(20)) { try await Self.queues(admin).contains { $0["name"] as? String == "default" } }
            #expect(back, "the queue was not registered again")

            // --offline-only on a stopped worker's queue deletes it at once.
            #expect(try await admin.patch("/api/configurations/", ["node_health_last_heartbeat_interval": 2]).status == 200)
            await site.stopWorker()
            try await Task.sleep(for: .seconds(3))
            let offline = try await Self.removeQueue(harness, ["--offline-only", "london", "default"])
            #expect(offline.status == 0, "\(offline.output)")
            #expect(try await Self.queues(admin).isEmpty)
        }
    }
}
