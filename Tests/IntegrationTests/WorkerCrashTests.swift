import Foundation
import RedisQueue
import Shared
import Testing

/// Crash safety of the worker with real processes: a worker killed with SIGKILL mid-task loses nothing
/// (a surviving worker completes its tasks after the lease), and a task that kills every worker that runs
/// it ends with a failure and a reason after the maximum number of deliveries.
@Suite struct WorkerCrashTests {
    static let site = "crashsite"

    /// A config for one of several workers of the test site, with plugins enabled from `pluginsDir`.
    func writeConfig(_ dir: URL, name: String, redisURL: String, pluginsDir: String, maxDeliveries: Int = 5) throws -> String {
        let path = dir.appendingPathComponent("\(name).conf").path
        try """
        [settings]
        site = \(Self.site)
        api_host = 127.0.0.1
        broker_url = \(redisURL)
        node_name = \(name)
        heartbeat_interval = 1
        threads = 3
        worker = false
        discovery = false
        interactive = false
        settings = false
        enable_plugins = true
        plugins_dir = \(pluginsDir)
        task_lease = 5
        max_deliveries = \(maxDeliveries)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Installs a one-task plugin whose program is `script`.
    func installPlugin(_ name: String, task: String, script: String, config: String, in dir: URL) async throws {
        let folder = try writePlugin(name, in: dir.appendingPathComponent("src"), task: task, timeout: 120, script: script)
        let installed = try await runCommand(
            TestEnvironment.executable("ngenea-worker"), ["plugins", "install", folder, "--config", config])
        #expect(installed.status == 0, "\(installed.output)")
    }

    func startWorker(_ name: String, config: String, logs: URL) throws -> ManagedProcess {
        try ManagedProcess(
            name: name, executable: TestEnvironment.executable("ngenea-worker"), arguments: ["run", "--config", config],
            environment: [:], logDirectory: logs)
    }

    /// Reads the stdin envelope and reports every input path processed after sleeping `seconds`; while the
    /// file `hold` exists it keeps sleeping, so a worker the test means to kill can never finish first
    /// (however slow the machine is between "started" and the kill).
    static func sleepyScript(seconds: Int, hold: String) -> String {
        """
        #!/usr/bin/env python3
        import json, os, sys, time
        envelope = json.load(sys.stdin)
        time.sleep(\(seconds))
        while os.path.exists("\(hold)"):
            time.sleep(0.2)
        for item in envelope["paths"]:
            print(json.dumps({"add": {"state": "processed", "path": item["path"]}}), flush=True)
        """
    }

    @Test func killedWorkerLosesNoTaskAndNoResultIsDoubled() async throws {
        let redis = try await ScratchRedis.create(index: 8)
        let dir = try TestEnvironment.temporaryDirectory("crash")
        defer { try? FileManager.default.removeItem(at: dir) }
        let plugins = dir.appendingPathComponent("plugins").path
        let configA = try writeConfig(dir, name: "node-a", redisURL: redis.url, pluginsDir: plugins)
        let configB = try writeConfig(dir, name: "node-b", redisURL: redis.url, pluginsDir: plugins)
        let hold = dir.appendingPathComponent("hold").path
        FileManager.default.createFile(atPath: hold, contents: Data())
        try await installPlugin(
            "sleepy", task: "dynamo.custom.sleepy", script: Self.sleepyScript(seconds: 1, hold: hold), config: configA, in: dir)

        let connection = RedisConnection(configuration: redis.configuration)
        let reader = try await ResultsReader(connection: connection)
        let queueName = try QueueName(parsing: "\(Self.site).default#custom")
        let queue = ReliableQueue(name: queueName.description, connection: connection)
        try await queue.ensureGroup()

        // Worker A alone takes the first tasks, then is killed while they run.
        let workerA = try startWorker("node-a", config: configA, logs: dir)
        let ids = (0..<6).map { "crash-task-\($0)" }
        for id in ids {
            let envelope = TaskEnvelope(
                taskID: id, jobID: 7, task: "dynamo.custom.sleepy", queue: queueName, paths: [PathItem(path: "/mmfs1/\(id)")])
            _ = try await queue.enqueue(try WireCoding.encode(envelope))
        }
        var messages = try await reader.collect(timeout: .seconds(20)) { messages in
            messages.contains { if case .started(let s) = $0 { return s.node.hasPrefix("node-a") } else { return false } }
        }
        let startedOnA = Set(messages.compactMap { message -> String? in
            if case .started(let s) = message, s.node.hasPrefix("node-a") { return s.taskID }
            return nil
        })
        #expect(!startedOnA.isEmpty, "worker A never started a task:\n\(workerA.log)")
        _ = await workerA.stop(signal: SIGKILL)
        let killedAt = ContinuousClock.now
        try FileManager.default.removeItem(atPath: hold)

        // Worker B picks up everything, including A's interrupted tasks once their lease (5 s) expires.
        let workerB = try startWorker("node-b", config: configB, logs: dir)
        let more = try await reader.collect(timeout: .seconds(60)) { collected in
            let done = Set((messages + collected).compactMap { message -> String? in
                if case .result(let r) = message, r.error == nil { return r.taskID }
                return nil
            })
            return done.isSuperset(of: ids)
        }
        messages += more
        var results: [String: [TaskResult]] = [:]
        for case .result(let result) in messages { results[result.taskID, default: []].append(result) }
        for id in ids {
            let forTask = results[id] ?? []
            #expect(forTask.count == 1, "task \(id) has \(forTask.count) results")
            #expect(forTask.first?.error == nil)
            #expect(forTask.first?.status.summary == ["processed": 1])
        }
        // A's interrupted tasks were delivered again (attempt 2) to B, after the lease, not before.
        for id in startedOnA {
            let result = try #require(results[id]?.first)
            #expect(result.attempt == 2, "task \(id) interrupted on A finished with attempt \(result.attempt)")
            #expect(result.node?.hasPrefix("node-b") == true)
        }
        let redelivery = killedAt.duration(to: .now)
        #expect(redelivery < .seconds(60))
        // A result is published before its entry is acked (acks of concurrent tasks go out together), so
        // the last acks may trail the last result by a moment.
        let ackDeadline = ContinuousClock.now + .seconds(10)
        while try await queue.pendingCount() > 0, ContinuousClock.now < ackDeadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try await queue.pendingCount() == 0)
        #expect(try await queue.length() == 0)
        _ = await workerB.stop()
        await connection.close()
        try await redis.flush()
    }

    @Test func taskThatKillsItsWorkersFailsAfterMaximumDeliveries() async throws {
        let redis = try await ScratchRedis.create(index: 9)
        let dir = try TestEnvironment.temporaryDirectory("killer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let plugins = dir.appendingPathComponent("plugins").path
        let config = try writeConfig(dir, name: "victim", redisURL: redis.url, pluginsDir: plugins, maxDeliveries: 2)
        // The plugin kills the worker that runs it (its parent process).
        try await installPlugin(
            "killer", task: "dynamo.custom.killer", script: "#!/bin/sh\nkill -9 $PPID\nsleep 5\n", config: config, in: dir)

        let connection = RedisConnection(configuration: redis.configuration)
        let reader = try await ResultsReader(connection: connection)
        let queueName = try QueueName(parsing: "\(Self.site).default#custom")
        let queue = ReliableQueue(name: queueName.description, connection: connection)
        try await queue.ensureGroup()
        let envelope = TaskEnvelope(
            taskID: "poison", jobID: 9, task: "dynamo.custom.killer", queue: queueName, paths: [PathItem(path: "/mmfs1/p")])
        _ = try await queue.enqueue(try WireCoding.encode(envelope))

        // Keep a worker running, as systemd's Restart=on-failure would, until the poison task is given up on.
        var failure: TaskResult?
        var restarts = 0
        let deadline = ContinuousClock.now + .seconds(90)
        var worker = try startWorker("victim-0", config: config, logs: dir)
        while failure == nil && ContinuousClock.now < deadline {
            if !worker.isRunning {
                restarts += 1
                worker = try startWorker("victim-\(restarts)", config: config, logs: dir)
            }
            let batch = try await reader.collect(timeout: .seconds(1)) { _ in false }
            for case .result(let result) in batch where result.taskID == "poison" { failure = result }
        }
        _ = await worker.stop()
        let result = try #require(failure, "the poison task never failed")
        #expect(result.error?.contains("delivered 2 times and never completed") == true, "\(result.error ?? "")")
        #expect(restarts >= 2, "each delivery should have killed a worker (restarts: \(restarts))")
        #expect(try await queue.length() == 0, "the dead-lettered entry must leave the queue")
        let dead = ReliableQueue(name: queueName.description, connection: connection)
        #expect(try await dead.deadLetters(count: 10).count == 1)
        await connection.close()
        try await redis.flush()
    }
}
