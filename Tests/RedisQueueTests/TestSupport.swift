import Foundation
import Logging
import RedisQueue
import Testing

/// The Redis the tests use: `NGENEA_TEST_REDIS_URL`, default the private dev server
/// (`scripts/services.sh start`). Tests fail, never skip, when it is not there.
enum TestRedis {
    static let url = ProcessInfo.processInfo.environment["NGENEA_TEST_REDIS_URL"] ?? "redis://127.0.0.1:56379/0"

    static func configuration() throws -> RedisConfiguration {
        try RedisConfiguration(url: url)
    }

    static func connection(_ name: String = "test") throws -> RedisConnection {
        RedisConnection(configuration: try configuration(), name: name, logger: logger)
    }

    static var logger: Logger {
        var logger = Logger(label: "redis-queue-tests")
        logger.logLevel = ProcessInfo.processInfo.environment["NGENEA_TEST_LOG"] == nil ? .critical : .debug
        return logger
    }

    /// A key prefix unique to one test, so tests can run in parallel on one server.
    static func uniquePrefix() -> String { "ngtest:\(UUID().uuidString.lowercased()):" }
}

/// Runs `body` with a fresh queue on its own connection and unique keys, then deletes its keys,
/// also when `body` throws.
func withTestQueue(
    options: ReliableQueue.Options = ReliableQueue.Options(reclaimInterval: .zero),
    _ body: (ReliableQueue) async throws -> Void
) async throws {
    let prefix = TestRedis.uniquePrefix()
    let queue = ReliableQueue(
        name: "london.default#worker",
        connection: try TestRedis.connection("queue"),
        options: options,
        keyPrefix: prefix + "q:",
        deadLetterPrefix: prefix + "dead:",
        logger: TestRedis.logger
    )
    do {
        try await body(queue)
    } catch {
        try? await deleteKeys(of: queue)
        throw error
    }
    try await deleteKeys(of: queue)
}

func deleteKeys(of queue: ReliableQueue) async throws {
    let cleaner = try TestRedis.connection("cleanup")
    _ = try await cleaner.command(["DEL", queue.streamKey, queue.deadLetterKey])
    await cleaner.close()
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out: \(what)" }
}

/// Runs `body`, failing with ``TimedOut`` if it takes longer than `limit`.
func withTimeout<Value: Sendable>(
    _ limit: Duration,
    _ what: String,
    _ body: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimedOut(what: what) }
        return value
    }
}

/// Bytes of a text, for payloads.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's choice for port 0).
func freeLocalPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    guard named == 0 else { throw POSIXError(.EINVAL) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Runs `body`, then deletes `keys` (binary-safe) from the test Redis, also when `body` throws.
func withKeysDeleted(_ keys: [[UInt8]], _ body: () async throws -> Void) async throws {
    func cleanup() async throws {
        let cleaner = try TestRedis.connection("cleanup")
        _ = try await cleaner.command(bytes: [bytes("DEL")] + keys)
        await cleaner.close()
    }
    do {
        try await body()
    } catch {
        try? await cleanup()
        throw error
    }
    try await cleanup()
}

func withKeysDeleted(_ keys: [String], _ body: () async throws -> Void) async throws {
    try await withKeysDeleted(keys.map(bytes), body)
}
