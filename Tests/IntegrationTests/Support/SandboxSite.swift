import Foundation
import Testing

/// A PixStor sandbox site (`ngsim init`) with the tools linked into a bin folder, and an `ngenea-worker`
/// for it: the whole data path on one machine.
final class SandboxSite: @unchecked Sendable {
    // Used by one test at a time.
    let name: String
    let root: URL
    /// The site's filesystem mount (`<root>/<name>/mmfs1`).
    let mount: String
    let bin: URL
    let target: String
    private(set) var worker: ManagedProcess?
    let config: String

    /// Creates the site `name` under `root`, sharing the object store `target` (so sites can send to
    /// each other), and writes a worker config for `redisURL`.
    init(
        name: String, root: URL, target: String, redisURL: String, threads: Int = 4, filesets: [String] = [],
        pools: [String] = []
    ) async throws {
        self.name = name
        self.root = root
        self.target = target
        let siteDir = root.appendingPathComponent(name)
        bin = root.appendingPathComponent("bin")
        mount = siteDir.appendingPathComponent("mmfs1").path
        let ngsim = TestEnvironment.executable("ngsim")
        let created = try await runTool(
            ngsim, ["init", siteDir.path, "--site", name, "--target", "cloud=\(target)"] + filesets.flatMap { ["--fileset", $0] }
                + pools.flatMap { ["--pool", $0] })
        guard created.status == 0 else { throw TestFailure("ngsim init: \(created.output)") }
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let linked = try await runTool(ngsim, ["install-links", bin.path])
        guard linked.status == 0 else { throw TestFailure("ngsim install-links: \(linked.output)") }
        config = root.appendingPathComponent("\(name)-worker.conf").path
        let commands = ["ngmigrate", "ngrecall", "ngunmanage", "mmlsfileset", "mmlsfs", "mmcrsnapshot", "mmdelsnapshot", "mmlssnapshot",
            "mmdf", "mmlscluster", "mmlspool", "mmapplypolicy",
        ]
            .map { "\"\($0)\": \"\(bin.path)/\($0)\"" }.joined(separator: ", ")
        try """
        [settings]
        site = \(name)
        api_host = 127.0.0.1
        broker_url = \(redisURL)
        node_name = \(name)-node1
        heartbeat_interval = 1
        threads = \(threads)
        task_lease = 10
        commands = {\(commands), "ngsim": "\(ngsim)"}
        site_settings_file = \(root.appendingPathComponent("\(name)-site-settings.json").path)
        """.write(toFile: config, atomically: true, encoding: .utf8)
    }

    /// Starts the worker with `environment` added (fault injection: NGSIM_FAIL, NGSIM_SLOW, ...).
    func startWorker(environment: [String: String] = [:], logs: URL) throws {
        var env = environment
        env["NGSIM_SITE"] = root.appendingPathComponent(name).path
        worker = try ManagedProcess(
            name: "\(name)-worker-\(UUID().uuidString.prefix(4))", executable: TestEnvironment.executable("ngenea-worker"),
            arguments: ["run", "--config", config], environment: env, logDirectory: logs)
    }

    func stopWorker() async {
        if let worker { await worker.stop() }
        worker = nil
    }

    /// Writes `count` files of distinct content under `directory` (relative to the mount); returns their paths.
    @discardableResult
    func writeFiles(_ directory: String, count: Int, size: Int = 1000) throws -> [String] {
        let dir = mount + "/" + directory
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return try (0..<count).map { index in
            let path = "\(dir)/file-\(index).dat"
            var bytes = [UInt8](repeating: 0, count: size)
            for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: (i &* 31) ^ index ^ directory.utf8.count) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    /// `ngsim state PATH`'s first word: resident, premigrated or migrated.
    func state(_ path: String) async throws -> String {
        let result = try await runTool(
            TestEnvironment.executable("ngsim"), ["state", path], environment: ["NGSIM_SITE": root.appendingPathComponent(name).path])
        return String(result.output.split(separator: "\t").first ?? "")
    }

    func sha256(_ path: String) async throws -> String {
        let result = try await runTool(TestEnvironment.executable("ngsim"), ["sha256", path])
        return String(result.output.split(separator: " ").first ?? "")
    }
}

extension APIClient {
    /// Submits a workflow; returns the job id.
    func submit(_ body: [String: Any]) async throws -> Int {
        let response = try await post("/api/file/workflow/", body)
        guard response.status == 201, let id = response.object["id"] as? Int else {
            throw TestFailure("submission failed: \(response.status) \(response.text)")
        }
        return id
    }

    /// Waits until job `id` is in a final state; returns the job object.
    func waitForJob(_ id: Int, timeout: Duration = .seconds(120), log: () -> String = { "" }) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let job = try await get("/api/jobs/\(id)/").object
            if let state = job["state"] as? String, ["SUCCESS", "FAILURE", "CANCELLED"].contains(state) { return job }
            try await Task.sleep(for: .milliseconds(200))
        }
        let job = try await get("/api/jobs/\(id)/").text
        throw TestFailure("job \(id) did not finish in \(timeout): \(job)\n\(log())")
    }

    /// Waits until the hub knows site `name` (its worker's first heartbeat).
    func waitForSite(_ name: String) async throws {
        let known = try await eventually(timeout: .seconds(30)) {
            let nodes = try await self.get("/api/nodes/").object["results"] as? [[String: Any]] ?? []
            return nodes.contains { $0["site"] as? String == name && $0["online"] as? Bool == true }
        }
        guard known else { throw TestFailure("site \(name) never came online") }
    }
}
