import Foundation
import Testing

/// Redis restarted while a job runs (issue 4): hub and workers reconnect, every task completes, every file
/// is migrated once, and the job's accounting is exact. The suite runs its own redis-server (AOF on), so
/// restarting it cannot disturb other suites.
@Suite(.serialized) struct RedisRestartUnderLoadTests {
    /// A redis-server on a free port with its data in `directory`.
    final class OwnRedis: @unchecked Sendable {
        let port: Int
        let directory: URL
        let logs: URL
        private var process: ManagedProcess?

        init(logs: URL) throws {
            port = try TestEnvironment.freePort()
            directory = try TestEnvironment.temporaryDirectory("redis")
            self.logs = logs
        }

        var url: String { "redis://127.0.0.1:\(port)/0" }

        func start() async throws {
            process = try ManagedProcess(
                name: "redis-\(port)", executable: "/usr/bin/redis-server",
                arguments: ["--port", String(port), "--bind", "127.0.0.1", "--dir", directory.path, "--appendonly", "yes",
                            "--appendfsync", "always", "--save", ""],
                environment: [:], logDirectory: logs)
            let up = try await eventually(timeout: .seconds(15)) {
                try await runTool("/usr/bin/redis-cli", ["-p", String(port), "ping"]).output.contains("PONG")
            }
            guard up else { throw TestFailure("redis-server on \(port) did not start") }
        }

        /// A restart as an operator does it (SIGTERM, then start on the same data).
        func restart(downFor pause: Duration) async throws {
            _ = await process?.stop()
            try await Task.sleep(for: pause)
            try await start()
        }

        func stop() async {
            _ = await process?.stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test func aRedisRestartMidJobLosesAndDoublesNothing() async throws {
        let redis = try OwnRedis(logs: try TestEnvironment.temporaryDirectory("redis-logs"))
        try await redis.start()
        do {
            try await EngineHarness.with(
                redisIndex: 21, sites: ["london"], workerEnvironment: ["NGSIM_SLOW": "*:30"],
                hubEnvironment: ["NGENEA_REDIS_URL": redis.url]
            ) { harness in
                let admin = harness.admin
                let site = try harness.site("london")
                let siteID = try await SitesHealthTests.siteID("london", admin)
                #expect(try await admin.patch("/api/sites/\(siteID)/", ["file_batch_size": 5]).status == 200)
                let paths = try site.writeFiles("restart", count: 300)
                let job = try await admin.submit(["workflow": "migrate", "site": "london", "paths": paths, "discovery": NSNull()])
                // Restart once the job is under way.
                let running = try await eventually(timeout: .seconds(30)) {
                    let tasks = try await admin.get("/api/tasks/?job_id=\(job)&state=SUCCESS").object["count"] as? Int ?? 0
                    return tasks >= 3
                }
                #expect(running, "the job never got going:\n\(harness.log)")
                try await redis.restart(downFor: .seconds(3))
                let done = try await admin.waitForJob(job, timeout: .seconds(240), log: { harness.log })
                let tasks = try await harness.taskResults(ofJob: job)
                #expect(done["state"] as? String == "SUCCESS", "\(tasks.prefix(4000))")
                let detail = try await admin.get("/api/jobs/\(job)/").object
                #expect(detail["numfiles"] as? Int == 300)
                #expect(detail["numprocessedfiles"] as? Int == 300, "processed \(detail["numprocessedfiles"] ?? "?")")
                let files = try await harness.files(ofJob: job)
                #expect(files.count == 300 && files.values.allSatisfy { $0 == "processed" })
                var migrated = 0
                for path in paths where try await site.state(path) == "migrated" { migrated += 1 }
                #expect(migrated == 300)
            }
        } catch {
            await redis.stop()
            throw error
        }
        await redis.stop()
    }
}
