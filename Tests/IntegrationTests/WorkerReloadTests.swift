import Foundation
import RedisQueue
import Shared
import Testing

/// `systemctl reload` (SIGHUP) with the real worker: added queues start, removed ones stop, a broken file
/// is refused and the running configuration stays.
@Suite struct WorkerReloadTests {
    func config(redisURL: String, queues: [String]) -> String {
        var text = """
        [settings]
        site = reload
        api_host = 127.0.0.1
        broker_url = \(redisURL)
        node_name = reload-node
        heartbeat_interval = 1
        threads = 2
        worker = {"threads": 2}
        discovery = false
        custom = false
        interactive = false
        settings = false

        """
        for queue in queues { text += "[Queue \(queue)]\ndiscovery = false\ncustom = false\n\n" }
        return text
    }

    @Test func reloadAddsAndRemovesQueuesAndRefusesABrokenFile() async throws {
        let redis = try await ScratchRedis.create(index: 10)
        let dir = try TestEnvironment.temporaryDirectory("reload")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("worker.conf").path
        try config(redisURL: redis.url, queues: ["alpha"]).write(toFile: path, atomically: true, encoding: .utf8)
        let worker = try ManagedProcess(
            name: "worker", executable: TestEnvironment.executable("ngenea-worker"), arguments: ["run", "--config", path],
            environment: [:], logDirectory: dir)
        let connection = RedisConnection(configuration: redis.configuration)
        let reader = try await ResultsReader(connection: connection)

        let first = try await reader.heartbeat { beat in beat.queues.map(\.queue).contains("alpha") }
        #expect(first?.queues.map(\.queue).sorted() == ["alpha", "default"], "worker log:\n\(worker.log)")

        // Reload: alpha removed, beta added.
        try config(redisURL: redis.url, queues: ["beta"]).write(toFile: path, atomically: true, encoding: .utf8)
        kill(worker.pid, SIGHUP)
        let second = try await reader.heartbeat { beat in beat.queues.map(\.queue).contains("beta") }
        #expect(second?.queues.map(\.queue).sorted() == ["beta", "default"], "worker log:\n\(worker.log)")

        let beta = ReliableQueue(name: "reload.beta#worker", connection: connection)
        let alpha = ReliableQueue(name: "reload.alpha#worker", connection: connection)
        let queueBeta = try QueueName(parsing: "reload.beta#worker")
        let queueAlpha = try QueueName(parsing: "reload.alpha#worker")
        _ = try await beta.enqueue(try WireCoding.encode(
            TaskEnvelope(taskID: "on-beta", jobID: 1, task: "dynamo.tasks.noop", queue: queueBeta, paths: [PathItem(path: "/x")])))
        _ = try await alpha.enqueue(try WireCoding.encode(
            TaskEnvelope(taskID: "on-alpha", jobID: 1, task: "dynamo.tasks.noop", queue: queueAlpha, paths: [PathItem(path: "/y")])))
        let results = try await reader.collect(timeout: .seconds(6)) { messages in
            messages.contains { if case .result(let r) = $0 { return r.taskID == "on-beta" } else { return false } }
        }
        let finished = results.compactMap { message -> String? in
            if case .result(let result) = message { return result.taskID }
            return nil
        }
        #expect(finished.contains("on-beta"))
        #expect(!finished.contains("on-alpha"), "a removed queue must not be consumed any more")
        #expect(try await alpha.length() == 1)

        // A broken file is refused; the worker keeps running with the last good configuration.
        try "[settings]\nsite = reload\napi_host = 127.0.0.1\nthreads = lots\n".write(toFile: path, atomically: true, encoding: .utf8)
        kill(worker.pid, SIGHUP)
        let refused = try await eventually(timeout: .seconds(10)) { worker.log.contains("reload refused") }
        #expect(refused, "worker log:\n\(worker.log)")
        #expect(worker.log.contains("\(path):4: threads: 'lots' is not a whole number"))
        #expect(worker.isRunning)
        _ = try await beta.enqueue(try WireCoding.encode(
            TaskEnvelope(taskID: "after-refusal", jobID: 1, task: "dynamo.tasks.noop", queue: queueBeta, paths: [])))
        let later = try await reader.collect(timeout: .seconds(10)) { messages in
            messages.contains { if case .result(let r) = $0 { return r.taskID == "after-refusal" } else { return false } }
        }
        #expect(later.contains { if case .result(let r) = $0 { return r.taskID == "after-refusal" } else { return false } })

        let status = await worker.stop()
        #expect(status == 0)
        await connection.close()
        try await redis.flush()
    }
}
