import Logging

/// A dedicated connection kept outside the pool, for long-lived holders of session state such as
/// a leader loop that keeps an advisory lock (singleton loops across hub replicas).
///
/// Like pooled connections it owns a thread, and its calls run there one at a time, in order.
/// If the connection breaks, the next call opens a new one; session locks are lost with the old one,
/// which `holdsAdvisoryLock(key:)` reveals. `close()` closes the connection, releasing every lock.
public final class PostgresSession: Sendable {
    private let slot: ConnectionSlot

    init(configuration: PostgresConfiguration, logger: Logger, name: String) {
        slot = ConnectionSlot(id: -1, name: "\(configuration.applicationName)-\(name)", configuration: configuration, logger: logger)
    }

    deinit { slot.shutdownSoon() }

    /// Runs `body` with the session's connection on its thread. A transaction left open is rolled back
    /// when `body` returns; session-level locks and settings persist across calls.
    /// - Throws: what `body` throws, or `PostgresError` (`.closed` after `close()`).
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await slot.run(body)
    }

    /// Runs one parameterised statement and returns its rows.
    public func query(_ sql: String, _ binds: [PostgresBind?] = []) async throws -> PostgresRows {
        try await slot.run { try $0.query(sql, binds) }
    }

    /// Runs one parameterised statement and returns the number of affected rows.
    @discardableResult
    public func execute(_ sql: String, _ binds: [PostgresBind?] = []) async throws -> Int {
        try await slot.run { try $0.execute(sql, binds) }
    }

    /// Takes the session-level advisory lock `key` if it is free; never waits.
    /// - Returns: true when this session now holds it (holds stack: unlock once per success).
    public func tryAdvisoryLock(key: Int64) async throws -> Bool {
        try await slot.run { try $0.tryAdvisoryLock(key: key) }
    }

    /// Waits for and takes the session-level advisory lock `key`.
    public func advisoryLock(key: Int64) async throws {
        try await slot.run { try $0.advisoryLock(key: key) }
    }

    /// Releases one hold of the advisory lock `key`; false if it was not held.
    @discardableResult
    public func advisoryUnlock(key: Int64) async throws -> Bool {
        try await slot.run { try $0.advisoryUnlock(key: key) }
    }

    /// Whether this session's current connection holds the advisory lock `key`.
    public func holdsAdvisoryLock(key: Int64) async throws -> Bool {
        try await slot.run { try $0.holdsAdvisoryLock(key: key) }
    }

    /// Closes the connection (the server releases its locks) and stops the thread. Idempotent;
    /// later calls throw `PostgresError.closed`.
    public func close() async {
        await slot.shutdown()
    }
}
