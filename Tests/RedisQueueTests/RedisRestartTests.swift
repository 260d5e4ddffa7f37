import Foundation
import RedisQueue
import Testing

extension Tag {
    /// Tests that start, kill and restart a redis-server of their own.
    @Tag static var redisRestart: Self
}

/// A redis-server of the test's own on a free port with an append-only file in a temporary directory
/// (fsync on every write, so a SIGKILL loses nothing), started and killed by the test. The shared dev
/// server is never touched.
private final class PrivateRedisServer {
    let port: Int
    let directory: URL
    private var process: Process?

    init() throws {
        port = try freeLocalPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ngenea-redis-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    var configuration: RedisConfiguration {
        RedisConfiguration(
            host: "127.0.0.1", port: port, connectTimeout: .seconds(1), commandTimeout: .seconds(5),
            minimumReconnectDelay: .milliseconds(50), maximumReconnectDelay: .milliseconds(500)
        )
    }

    /// Starts redis-server (as scripts/services.sh does, but in the foreground) and waits for PING.
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "redis-server", "--port", String(port), "--bind", "127.0.0.1", "--dir", directory.path,
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
            "--logfile", directory.appendingPathComponent("redis.log").path,
        ]
        try process.run()
        self.process = process
        let probe = RedisConnection(configuration: configuration, name: "probe", logger: TestRedis.logger)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if (try? await probe.ping()) != nil { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TimedOut(what: "redis-server on port \(port) did not answer PING; see \(directory.path)/redis.log")
    }

    /// SIGKILL: the server dies without closing anything cleanly.
    func kill() async {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        await waitForExit(process)
        self.process = nil
    }

    /// Kills the server if running and removes its directory. Synchronous (it runs in a `defer`), so it
    /// does not wait for the exit.
    func destroy() {
        if let process, process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process = nil
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Waits for `process` to exit without blocking a thread: `waitUntilExit()` would hold one of the
/// cooperative pool's few threads (two on a 2-core machine) and stall every other suite of the run.
private func waitForExit(_ process: Process) async {
    let waiter = ExitWaiter()
    await withCheckedContinuation { continuation in
        waiter.set(continuation)
        process.terminationHandler = { _ in waiter.resume() }
        // The handler is not called for an exit before it was set; Foundation clears isRunning before
        // it looks for the handler, so one of the two resumes (and ExitWaiter lets only one through).
        if !process.isRunning { waiter.resume() }
    }
}

/// Resumes its continuation exactly once.
private final class ExitWaiter: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?

    func set(_ continuation: CheckedContinuation<Void, Never>) { lock.withLock { self.continuation = continuation } }

    func resume() {
        let continuation = lock.withLock {
            defer { self.continuation = nil }
            return self.continuation
        }
        continuation?.resume()
    }
}

@Suite("Redis restart", .serialized, .tags(.redisRestart))
struct RedisRestartTests {
    @Test("the client survives a redis-server restart; queued entries survive via the AOF", .timeLimit(.minutes(2)))
    func survivesRestart() async throws {
        let server = try PrivateRedisServer()
        defer { server.destroy() }
        try await server.start()
        try await exerciseRestart(server)
    }

    private func exerciseRestart(_ server: PrivateRedisServer) async throws {
        let producerConnection = RedisConnection(configuration: server.configuration, name: "producer", logger: TestRedis.logger)
        let options = ReliableQueue.Options(lease: .seconds(30), reclaimInterval: .zero)
        let producer = ReliableQueue(name: "restart#test", connection: producerConnection, options: options, logger: TestRedis.logger)
        try await producer.ensureGroup()
        let before = try await producer.enqueue(bytes("enqueued before the restart"))

        // Down: commands fail (the first notices the dead socket, later ones cannot connect).
        await server.kill()
        for _ in 0..<3 {
            await #expect {
                _ = try await producer.length()
            } throws: { error in
                (error as? RedisError)?.isConnectionError == true
            }
        }

        // Back: the same connection object reconnects and the entry is still there.
        try await server.start()
        try await withTimeout(.seconds(10), "reconnecting after the restart") {
            while true {
                do {
                    try await producerConnection.ping()
                    return
                } catch let error as RedisError where error.isConnectionError {
                    continue
                }
            }
        }
        let afterRestart = try await producer.claim(consumer: "c1", count: 10)
        #expect(afterRestart.deliveries.map(\.id) == [before])
        #expect(afterRestart.deliveries.first?.payload == bytes("enqueued before the restart"))
        #expect(try await producer.ack([before]) == 1)

        // A consumer blocked in claim while the server restarts resumes and gets the next entry.
        let consumer = producer.using(RedisConnection(configuration: server.configuration, name: "consumer", logger: TestRedis.logger))
        let blocked = Task {
            var connectionErrors = 0
            while true {
                do {
                    let result = try await consumer.claim(consumer: "c2", count: 1, block: .seconds(1))
                    if let delivery = result.deliveries.first { return (delivery, connectionErrors) }
                } catch let error as RedisError where error.isConnectionError {
                    connectionErrors += 1
                }
            }
        }
        defer { blocked.cancel() }
        try await Task.sleep(for: .milliseconds(300))
        await server.kill()
        try await Task.sleep(for: .milliseconds(700))
        try await server.start()
        let during = try await withTimeout(.seconds(10), "enqueueing after the second restart") {
            while true {
                do {
                    return try await producer.enqueue(bytes("enqueued after the restart"))
                } catch let error as RedisError where error.isConnectionError {
                    continue
                }
            }
        }
        let (delivery, connectionErrors) = try await withTimeout(.seconds(15), "the blocked consumer resuming") {
            try await blocked.value
        }
        #expect(delivery.id == during)
        #expect(delivery.payload == bytes("enqueued after the restart"))
        #expect(connectionErrors >= 1, "the consumer should have seen the restart")
        #expect(try await consumer.ack([during]) == 1)
    }
}
