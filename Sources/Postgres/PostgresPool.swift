import Logging
import Synchronization

/// A pool of PostgreSQL connections, each with its own thread, opened lazily up to
/// `configuration.poolSize`.
///
/// Blocking libpq work never runs on Swift's cooperative pool: closures given to `withConnection`
/// and `transaction` run synchronously on the checked-out connection's thread while the caller
/// suspends. When every connection is busy, callers wait and are served first come, first served;
/// `configuration.checkoutTimeout` bounds the wait (`PostgresError.checkoutTimeout`). A connection
/// found broken (backend terminated, server restarted) is discarded and a new one is opened on the
/// next checkout. Task cancellation stops a wait for a connection but not a running statement.
public final class PostgresPool: Sendable {
    /// The configuration every connection uses.
    public let configuration: PostgresConfiguration
    let logger: Logger
    private let state: Mutex<State>

    private enum EarlyFailure {
        case none
        case failed(any Error)
    }

    private struct State {
        var slots: [ConnectionSlot] = []
        var idle: [ConnectionSlot] = []
        var leased = 0
        /// Registered waiters, suspended until a slot, a failure or `close()` resumes them.
        var waiters: [UInt64: CheckedContinuation<ConnectionSlot, any Error>] = [:]
        /// Waiters between getting their id and registering: a timeout or cancellation that arrives in
        /// that window is kept here and delivered at registration instead of being lost.
        var unregistered: [UInt64: EarlyFailure] = [:]
        var waitOrder: [UInt64] = []
        var waitHead = 0
        var nextWaiterID: UInt64 = 0
        var closed = false
        var closeWaiters: [CheckedContinuation<Void, Never>] = []

        /// The oldest waiter still waiting, removed from the queue.
        mutating func popWaiter() -> CheckedContinuation<ConnectionSlot, any Error>? {
            while waitHead < waitOrder.count {
                let id = waitOrder[waitHead]
                waitHead += 1
                if let continuation = waiters.removeValue(forKey: id) {
                    compact()
                    return continuation
                }
            }
            compact()
            return nil
        }

        mutating func compact() {
            if waitHead > 64, waitHead * 2 > waitOrder.count {
                waitOrder.removeFirst(waitHead)
                waitHead = 0
            }
            if waiters.isEmpty {
                waitOrder.removeAll(keepingCapacity: true)
                waitHead = 0
            }
        }
    }

    /// A snapshot of the pool's use, for metrics and tests.
    public struct Statistics: Sendable, Equatable {
        /// Connection slots created so far (each has a thread; its connection opens on first use).
        public var slots: Int
        /// Slots free for checkout.
        public var idle: Int
        /// Slots checked out.
        public var inUse: Int
        /// Callers waiting for a slot.
        public var waiting: Int
    }

    /// Creates the pool; no connection is opened until first use.
    /// - Precondition: `configuration.poolSize >= 1`.
    public init(configuration: PostgresConfiguration, logger: Logger = Logger(label: "ngenea.postgres")) {
        precondition(configuration.poolSize >= 1, "poolSize must be at least 1")
        self.configuration = configuration
        self.logger = logger
        state = Mutex(State())
    }

    deinit {
        state.withLock { state in
            for slot in state.slots { slot.shutdownSoon() }
        }
    }

    /// The current use of the pool.
    public var statistics: Statistics {
        state.withLock { state in
            Statistics(slots: state.slots.count, idle: state.idle.count, inUse: state.leased, waiting: state.waiters.count)
        }
    }

    // MARK: Using connections

    /// Checks out a connection, runs `body` with it on the connection's thread, and returns it.
    ///
    /// `body` must not keep the connection. A transaction it leaves open is rolled back.
    /// - Throws: what `body` throws; `PostgresError` for connection failures, checkout timeout
    ///   (`.checkoutTimeout`) or a closed pool (`.closed`); `CancellationError` if cancelled while waiting.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let slot = try await checkout()
        defer { release(slot) }
        return try await slot.run(body)
    }

    /// Runs `body` in a transaction on one connection: `BEGIN`, `COMMIT` on return, `ROLLBACK` on a
    /// thrown error (see `PostgresConnection.transaction`).
    /// - Throws: what `body` throws, or `PostgresError`.
    public func transaction<T: Sendable>(
        isolation: PostgresIsolationLevel? = nil, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            try connection.transaction(isolation: isolation, body)
        }
    }

    /// Runs one parameterised statement and returns its rows.
    /// - Throws: `PostgresError`.
    public func query(_ sql: String, _ binds: [PostgresBind?] = []) async throws -> PostgresRows {
        try await withConnection { try $0.query(sql, binds) }
    }

    /// Runs one parameterised statement and returns the number of affected rows.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func execute(_ sql: String, _ binds: [PostgresBind?] = []) async throws -> Int {
        try await withConnection { try $0.execute(sql, binds) }
    }

    /// Runs one statement per parameter set, pipelined and atomically (see `PostgresConnection.executeMany`).
    /// - Throws: `PostgresError`.
    @discardableResult
    public func executeMany(_ sql: String, _ parameterSets: [[PostgresBind?]]) async throws -> Int {
        try await withConnection { try $0.executeMany(sql, parameterSets) }
    }

    /// Loads rows with COPY FROM STDIN (see `PostgresConnection.copyIn`).
    /// - Throws: `PostgresError`.
    @discardableResult
    public func copyIn(
        into table: PostgresIdentifier, columns: [String], rows: [[PostgresBind?]], format: PostgresCopyFormat = .text
    ) async throws -> Int {
        try await withConnection { try $0.copyIn(into: table, columns: columns, rows: rows, format: format) }
    }

    /// Opens a dedicated connection outside the pool's capacity, for long-lived holders such as a
    /// leader loop keeping an advisory lock. Close it when done.
    public func makeSession(name: String = "session") -> PostgresSession {
        PostgresSession(configuration: configuration, logger: logger, name: name)
    }

    /// Runs `body` with a dedicated session and closes the session afterwards (releasing its locks).
    /// - Throws: what `body` throws.
    public func withSession<T: Sendable>(
        name: String = "session", _ body: (PostgresSession) async throws -> T
    ) async throws -> T {
        let session = makeSession(name: name)
        do {
            let result = try await body(session)
            await session.close()
            return result
        } catch {
            await session.close()
            throw error
        }
    }

    /// Stops lending connections, fails waiting callers with `.closed`, waits for checked-out
    /// connections to come back, then closes every connection and stops their threads. Idempotent.
    public func close() async {
        let (idle, waiters, mustWait) = state.withLock { state in
            state.closed = true
            let idle = state.idle
            state.idle.removeAll()
            var waiters: [CheckedContinuation<ConnectionSlot, any Error>] = []
            while let waiter = state.popWaiter() { waiters.append(waiter) }
            return (idle, waiters, state.leased > 0)
        }
        for waiter in waiters {
            waiter.resume(throwing: PostgresError(code: .closed, message: "the connection pool was closed"))
        }
        for slot in idle { await slot.shutdown() }
        if mustWait {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { state in
                    if state.leased == 0 { return true }
                    state.closeWaiters.append(continuation)
                    return false
                }
                if done { continuation.resume() }
            }
        }
    }

    // MARK: Checkout

    private enum CheckoutAction {
        case use(ConnectionSlot)
        case wait
        case closed
    }

    func checkout() async throws -> ConnectionSlot {
        let action = state.withLock { state -> CheckoutAction in
            if state.closed { return .closed }
            if let slot = state.idle.popLast() {
                state.leased += 1
                return .use(slot)
            }
            if state.slots.count < configuration.poolSize {
                let id = state.slots.count
                let slot = ConnectionSlot(
                    id: id, name: "\(configuration.applicationName)-pg-\(id)", configuration: configuration, logger: logger)
                state.slots.append(slot)
                state.leased += 1
                return .use(slot)
            }
            return .wait
        }
        switch action {
        case .use(let slot): return slot
        case .closed: throw PostgresError(code: .closed, message: "the connection pool is closed")
        case .wait: return try await waitForSlot()
        }
    }

    /// Waits for a released slot. Every path resumes the continuation exactly once: a release hands
    /// the slot over (`popWaiter`), or a timeout, cancellation or `close()` fails it; whichever
    /// removes the waiter from `state` under the lock is the only one that resumes it. A failure that
    /// comes before registration (the timer or cancellation ran first, e.g. while this task was
    /// descheduled) is recorded in `unregistered` and returned by the registration itself.
    private func waitForSlot() async throws -> ConnectionSlot {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            let id = state.nextWaiterID
            state.unregistered[id] = EarlyFailure.none
            return id
        }
        let timeoutTask: Task<Void, Never>? = configuration.checkoutTimeout.map { timeout in
            Task { [weak self] in
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                self?.failWaiter(
                    id,
                    PostgresError(
                        code: .checkoutTimeout,
                        message: "no PostgreSQL connection became free within \(timeout) (pool size \(self?.configuration.poolSize ?? 0))"))
            }
        }
        defer { timeoutTask?.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ConnectionSlot, any Error>) in
                enum Registration {
                    case registered
                    case slot(ConnectionSlot)
                    case failed(any Error)
                }
                let registration = state.withLock { state -> Registration in
                    if case .failed(let error)? = state.unregistered.removeValue(forKey: id) { return .failed(error) }
                    if state.closed { return .failed(PostgresError(code: .closed, message: "the connection pool is closed")) }
                    if let slot = state.idle.popLast() {
                        state.leased += 1
                        return .slot(slot)
                    }
                    if Task.isCancelled { return .failed(CancellationError()) }
                    state.waiters[id] = continuation
                    state.waitOrder.append(id)
                    return .registered
                }
                switch registration {
                case .registered: break
                case .slot(let slot): continuation.resume(returning: slot)
                case .failed(let error): continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            failWaiter(id, CancellationError())
        }
    }

    /// Fails one waiter if it is still waiting (the first failure wins); if it has not registered
    /// yet, its registration will fail with `error`. No-op once it has been served or failed.
    private func failWaiter(_ id: UInt64, _ error: any Error) {
        let continuation = state.withLock { state -> CheckedContinuation<ConnectionSlot, any Error>? in
            if let continuation = state.waiters.removeValue(forKey: id) {
                state.compact()
                return continuation
            }
            if case EarlyFailure.none? = state.unregistered[id] { state.unregistered[id] = .failed(error) }
            return nil
        }
        continuation?.resume(throwing: error)
    }

    /// Returns a slot: to the oldest waiter if any, else to the idle list (or shuts it when closed).
    func release(_ slot: ConnectionSlot) {
        enum ReleaseAction {
            case handOver(CheckedContinuation<ConnectionSlot, any Error>)
            case keep
            case shutdown([CheckedContinuation<Void, Never>])
        }
        let action = state.withLock { state -> ReleaseAction in
            if state.closed {
                state.leased -= 1
                if state.leased == 0 {
                    let waiters = state.closeWaiters
                    state.closeWaiters.removeAll()
                    return .shutdown(waiters)
                }
                return .shutdown([])
            }
            if let waiter = state.popWaiter() { return .handOver(waiter) }
            state.leased -= 1
            state.idle.append(slot)
            return .keep
        }
        switch action {
        case .handOver(let waiter): waiter.resume(returning: slot)
        case .keep: break
        case .shutdown(let closeWaiters):
            slot.shutdownSoon()
            for waiter in closeWaiters { waiter.resume() }
        }
    }
}
