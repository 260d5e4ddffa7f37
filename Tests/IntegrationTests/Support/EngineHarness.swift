import Foundation
import Testing

/// A hub on its own Redis database plus sandbox sites with their workers, for the engine's end-to-end
/// tests. Everything is real: processes, PostgreSQL, Redis, the sandbox tools moving bytes.
final class EngineHarness: @unchecked Sendable {
    // Used by one test at a time.
    let hub: TestHub
    let root: URL
    let target: String
    private(set) var sites: [String: SandboxSite] = [:]
    var admin: APIClient

    private init(hub: TestHub, root: URL, admin: APIClient) {
        self.hub = hub
        self.root = root
        self.target = root.appendingPathComponent("cloud").path
        self.admin = admin
    }

    /// Starts the hub on Redis database `redisIndex` and one worker per site in `sites`.
    static func start(
        redisIndex: Int, sites names: [String], workerEnvironment: [String: String] = [:], filesets: [String] = [],
        pools: [String] = [], hubEnvironment: [String: String] = [:]
    ) async throws -> EngineHarness {
        let hub = try await TestHub.start(environment: hubEnvironment, privateRedis: redisIndex)
        // A test may give the hub a Redis of its own (NGENEA_REDIS_URL); the workers follow it.
        let redisURL = hubEnvironment["NGENEA_REDIS_URL"] ?? hub.redis.url
        let root = try TestEnvironment.temporaryDirectory("engine")
        let harness = EngineHarness(hub: hub, root: root, admin: try await hub.admin())
        do {
            for name in names {
                let site = try await SandboxSite(
                    name: name, root: root, target: harness.target, redisURL: redisURL, filesets: filesets, pools: pools)
                try site.startWorker(environment: workerEnvironment, logs: hub.logs)
                harness.sites[name] = site
            }
            for name in names { try await harness.admin.waitForSite(name) }
        } catch {
            await harness.stop()
            throw error
        }
        return harness
    }

    func site(_ name: String) throws -> SandboxSite {
        guard let site = sites[name] else { throw TestFailure("no site \(name)") }
        return site
    }

    /// Hub and worker logs, for failure messages.
    var log: String {
        let workerLogs = sites.values.compactMap { $0.worker }.map(\.log)
        return ([hub.log] + workerLogs).joined(separator: "\n---\n").suffix(20_000).description
    }

    func stop() async {
        for site in sites.values { await site.stopWorker() }
        await hub.stopProcesses(expectCleanExit: false)
        await hub.cleanUp()
        try? await hub.redis.flush()
        try? FileManager.default.removeItem(at: root)
    }

    /// Runs `body` with a started harness and always stops it.
    static func with(
        redisIndex: Int, sites: [String], workerEnvironment: [String: String] = [:], filesets: [String] = [],
        pools: [String] = [], hubEnvironment: [String: String] = [:], _ body: (EngineHarness) async throws -> Void
    ) async throws {
        let harness = try await start(
            redisIndex: redisIndex, sites: sites, workerEnvironment: workerEnvironment, filesets: filesets, pools: pools,
            hubEnvironment: hubEnvironment)
        do {
            try await body(harness)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    /// Every task of a job with its state, error and summary, for failure messages.
    func taskResults(ofJob id: Int) async throws -> String {
        let tasks = try await admin.get("/api/tasks/?job_id=\(id)&page_size=0").object["results"] as? [[String: Any]] ?? []
        var lines: [String] = []
        for task in tasks {
            let detail = try await admin.get("/api/tasks/\(task["id"] as? Int ?? 0)/").text
            lines.append(detail)
        }
        return lines.joined(separator: "\n")
    }

    /// A job's files with their final states (all pages), path -> state.
    func files(ofJob id: Int) async throws -> [String: String] {
        let response = try await admin.get("/api/jobs/\(id)/files/?page_size=0")
        let results = response.object["results"] as? [[String: Any]] ?? []
        var files: [String: String] = [:]
        for item in results {
            if let path = item["path"] as? String, let state = item["state"] as? String { files[path] = state }
        }
        return files
    }
}
