import Foundation
import Testing

/// `/api/nodes/` with a real hub and worker: the node appears from heartbeats, can be renamed, and a DELETE
/// deregisters it until its next heartbeat (manual L24400-24555).
@Suite struct NodesAPITests {
    @Test func nodesComeFromHeartbeatsAndComeBackAfterDelete() async throws {
        // A Redis database of its own: on the shared one, other tests' hubs would take the worker's heartbeats.
        try await withTestHub(privateRedis: 23) { hub in
            let admin = try await hub.admin()
            let dir = try TestEnvironment.temporaryDirectory("nodes")
            defer { try? FileManager.default.removeItem(at: dir) }
            let config = dir.appendingPathComponent("worker.conf").path
            try """
            [settings]
            site = nodesite
            api_host = 127.0.0.1
            broker_url = \(hub.redis.url)
            node_name = nodes-it-1
            heartbeat_interval = 1
            """.write(toFile: config, atomically: true, encoding: .utf8)
            let worker = try ManagedProcess(
                name: "worker", executable: TestEnvironment.executable("ngenea-worker"),
                arguments: ["run", "--config", config], environment: [:], logDirectory: dir)

            func nodeEntry() async throws -> [String: Any]? {
                let list = try await admin.get("/api/nodes/?page_size=0").json() as? [String: Any]
                return (list?["results"] as? [[String: Any]])?.first { $0["site"] as? String == "nodesite" }
            }
            var found: [String: Any]?
            let appeared = try await eventually(timeout: .seconds(30)) {
                found = try await nodeEntry()
                return found != nil
            }
            #expect(appeared, "node never registered:\n\(worker.log)")
            let node = try #require(found)
            #expect(node["name"] as? String == "nodes-it-1")
            #expect(node["online"] as? Bool == true)
            #expect(node["has_default_queue"] as? Bool == true)
            let id = try #require(node["id"] as? Int)
            #expect(pathOf(node["url"]) == "/api/nodes/\(id)/")

            let detail = try await admin.get("/api/nodes/\(id)/")
            #expect(detail.status == 200)
            #expect(try await admin.get("/api/nodes/999999/").status == 404)

            let badSite = try await admin.patch("/api/nodes/\(id)/", ["site": "nowhere"])
            #expect(badSite.status == 400)
            #expect(badSite.text.contains("\"site\""))
            let badDate = try await admin.patch("/api/nodes/\(id)/", ["last_heartbeat": "yesterday"])
            #expect(badDate.status == 400)
            #expect(badDate.text.contains("last_heartbeat"))
            let renamed = try await admin.patch("/api/nodes/\(id)/", ["name": "renamed-node"])
            #expect(renamed.status == 200)
            #expect((try renamed.json() as? [String: Any])?["name"] as? String == "renamed-node")

            // Stop the worker, deregister the node: it is gone; a restarted worker registers it again.
            _ = await worker.stop()
            #expect(try await admin.delete("/api/nodes/\(id)/").status == 204)
            #expect(try await admin.get("/api/nodes/\(id)/").status == 404)
            let again = try ManagedProcess(
                name: "worker-again", executable: TestEnvironment.executable("ngenea-worker"),
                arguments: ["run", "--config", config], environment: [:], logDirectory: dir)
            let back = try await eventually(timeout: .seconds(30)) { try await nodeEntry()?["name"] as? String == "nodes-it-1" }
            #expect(back, "node did not come back after a heartbeat")
            _ = await again.stop()
            return []
        }
    }
}
