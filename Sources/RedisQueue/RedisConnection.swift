import CHiredis
import Logging

/// One Redis connection (hiredis, RESP2, plain TCP) with its own thread.
///
/// - Threading: the actor runs on a dedicated thread (``ConnectionThreadExecutor``), so blocking socket
///   calls, `XREADGROUP ... BLOCK` included, never hold a thread of the Swift concurrency pool. Calls
///   are serialised: a connection blocked in a blocking command delays every other call on it. Give
///   each blocking consumer its own connection.
/// - Connecting: lazily, on the first command. `AUTH` and `SELECT` follow when configured.
/// - Failures: after an I/O, EOF, timeout or protocol error the hiredis context is discarded; the next
///   command reconnects. Consecutive failed connects are spaced by a jittered exponential backoff
///   (``RedisConfiguration/minimumReconnectDelay`` doubling up to ``RedisConfiguration/maximumReconnectDelay``);
///   a command issued during the backoff waits for it (cancellably) and then tries once.
///   Whether a command that was in flight is re-sent once after reconnecting is its ``RedisRetryPolicy``.
/// - Timeouts: every command has the socket timeout ``RedisConfiguration/commandTimeout``; blocking
///   commands get their block time plus that margin, so a dead server is always noticed.
/// - Cancellation: cancelling a task waiting in ``blockingCommand(_:blockingFor:retry:)`` shuts the socket
///   down, which returns the blocked read at once; the call throws `CancellationError` and the
///   connection is discarded. Ordinary commands are short and run to completion even for a cancelled
///   task (a worker shutting down can still ack); only a reconnect backoff wait is cut short.
/// - Errors: ``RedisError``. Messages name the command and endpoint, never arguments or the password.
public actor RedisConnection {
    /// Where and how this connection connects.
    public nonisolated let configuration: RedisConfiguration
    private nonisolated let thread: ConnectionThreadExecutor
    private let logger: Logger
    private let interrupter = SocketInterrupter()
    private var context: HiredisContext?
    private var backoff: ReconnectBackoff
    private var isClosed = false
    private var hasConnectedBefore = false

    /// Runs the actor on its own thread.
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        thread.asUnownedSerialExecutor()
    }

    /// Creates a connection; nothing is connected until the first command.
    /// - Parameters:
    ///   - configuration: where to connect; its password is never logged.
    ///   - name: names the connection's thread (`redis-<name>`) and appears in log metadata.
    ///   - logger: receives connect/disconnect events (notice/warning) and commands (trace).
    public init(configuration: RedisConfiguration, name: String = "connection", logger: Logger = Logger(label: "ngenea.redis")) {
        self.configuration = configuration
        self.thread = ConnectionThreadExecutor(name: "redis-\(name)")
        var logger = logger
        logger[metadataKey: "redis"] = "\(configuration)"
        logger[metadataKey: "redis.connection"] = "\(name)"
        self.logger = logger
        self.backoff = ReconnectBackoff(
            minimum: configuration.minimumReconnectDelay,
            maximum: configuration.maximumReconnectDelay
        )
    }

    deinit {
        thread.shutdown()
    }

    /// Whether a hiredis context is currently open (it may still turn out broken on the next command).
    public var isConnected: Bool { context != nil }

    /// Sends a command whose arguments are text (UTF-8) and returns its reply.
    /// - Throws: ``RedisError``: `serverError` for an error reply, `connectionFailed` if no connection
    ///   could be made (command not sent), `connectionLost` if the outcome is unknown, `closed` after
    ///   ``close()``; `CancellationError` if the task was cancelled before sending.
    public func command(_ arguments: [String], retry: RedisRetryPolicy? = nil) async throws -> RedisValue {
        try await command(bytes: arguments.map { Array($0.utf8) }, retry: retry)
    }

    /// Sends a command with binary-safe arguments (any bytes, NUL included) and returns its reply.
    /// Same errors as ``command(_:retry:)``.
    public func command(bytes arguments: [[UInt8]], retry: RedisRetryPolicy? = nil) async throws -> RedisValue {
        let name = Self.commandName(arguments)
        let reply = try await perform(name, retry: retry, readTimeout: nil, interruptible: false) { context throws(RedisError) in
            try context.execute(arguments, commandName: name)
        }
        return try reply.throwingServerError(command: name)
    }

    /// Sends a command that blocks on the server for up to `block` (`XREADGROUP ... BLOCK`, `BLPOP`...).
    /// The socket read timeout is raised to `block` + the command timeout for this call only, and
    /// cancelling the calling task interrupts the wait at once (see the type's documentation).
    /// Same errors as ``command(_:retry:)``, plus `CancellationError` when cancelled while blocked.
    public func blockingCommand(_ arguments: [[UInt8]], blockingFor block: Duration, retry: RedisRetryPolicy? = nil) async throws -> RedisValue {
        let name = Self.commandName(arguments)
        let timeout = configuration.readTimeout(blockingFor: block)
        let reply = try await perform(name, retry: retry, readTimeout: timeout, interruptible: true) { context throws(RedisError) in
            try context.execute(arguments, commandName: name)
        }
        return try reply.throwingServerError(command: name)
    }

    /// Sends several commands in one write and reads all replies (one round trip). Error replies are
    /// returned in place as ``RedisValue/error(_:)``, not thrown. Not atomic by itself: wrap the commands
    /// in `MULTI` ... `EXEC` for that. Throws only connection-level errors (as ``command(_:retry:)``).
    public func pipeline(_ commands: [[[UInt8]]], retry: RedisRetryPolicy? = nil) async throws -> [RedisValue] {
        guard !commands.isEmpty else { return [] }
        let name = "pipeline of \(commands.count) (\(Self.commandName(commands[0]))...)"
        return try await perform(name, retry: retry, readTimeout: nil, interruptible: false) { context throws(RedisError) in
            try context.executePipeline(commands, commandName: name)
        }
    }

    /// Sends `PING`; throws if there is no answer.
    public func ping() async throws {
        _ = try await command(["PING"], retry: .onceAfterReconnect)
    }

    /// Closes the connection; later commands throw ``RedisError/Code/closed``. Idempotent.
    public func close() {
        if context != nil {
            logger.debug("closing the Redis connection")
        }
        context = nil
        isClosed = true
    }

    // MARK: - Internals

    private func perform<Result>(
        _ name: String,
        retry: RedisRetryPolicy?,
        readTimeout: Duration?,
        interruptible: Bool,
        _ body: (HiredisContext) throws(RedisError) -> Result
    ) async throws -> Result {
        let policy = retry ?? configuration.retryPolicy
        var firstFailure: RedisError?
        while true {
            // Only a blocking wait is refused to a cancelled task; short commands still go out, so that
            // a consumer shutting down can still ack what it finished.
            if interruptible {
                try Task.checkCancellation()
            }
            let context: HiredisContext
            do {
                context = try await connectedContext()
            } catch let error as RedisError {
                // Reconnecting for a retry failed: the first attempt's outcome is still unknown.
                guard let firstFailure else { throw error }
                throw RedisError.connectionLost("\(firstFailure.message); reconnecting to retry failed: \(error.message)")
            }
            logger.trace("sending \(name)")
            do {
                return try await send(on: context, readTimeout: readTimeout, interruptible: interruptible, body)
            } catch let error as RedisError {
                discardContext(reason: error.message)
                guard policy == .onceAfterReconnect, firstFailure == nil else {
                    if let firstFailure {
                        throw RedisError.connectionLost("\(firstFailure.message); the retry failed too: \(error.message)")
                    }
                    throw error
                }
                firstFailure = error
                logger.notice("retrying \(name) once after reconnecting", metadata: ["error": "\(error.message)"])
            }
        }
    }

    /// Runs `body` on `context` with the given read timeout; on the blocking path a task cancellation
    /// shuts the socket down to return the blocked read.
    private func send<Result>(
        on context: HiredisContext,
        readTimeout: Duration?,
        interruptible: Bool,
        _ body: (HiredisContext) throws(RedisError) -> Result
    ) async throws -> Result {
        assert(thread.isCurrentThread, "hiredis must only be called on the connection's own thread")
        if let readTimeout {
            try context.setTimeout(readTimeout)
        }
        guard interruptible else {
            return try body(context)
        }
        let interrupter = self.interrupter
        interrupter.arm(context.fileDescriptor)
        // The closure calls a synchronous method of `self`: that compiles only if the closure is
        // isolated to this actor, i.e. the blocking read runs on the connection's thread and not on
        // the cooperative pool (a closure that does not capture `self` would be nonisolated).
        let outcome = await withTaskCancellationHandler {
            self.attempt(on: context, body)
        } onCancel: {
            interrupter.interrupt()
        }
        let interrupted = interrupter.disarm()
        switch outcome {
        case .success(let value):
            if interrupted {
                // Cancelled just after the reply arrived: the socket is shut down, so drop it.
                discardContext(reason: "cancelled")
                return value
            }
            if readTimeout != nil {
                do {
                    try context.setTimeout(configuration.commandTimeout)
                } catch {
                    // The reply is in hand: return it, and start afresh on the next command.
                    discardContext(reason: error.message)
                }
            }
            return value
        case .failure(let error):
            if interrupted {
                discardContext(reason: "cancelled while blocked")
                throw CancellationError()
            }
            throw error
        }
    }

    private func attempt<Result>(
        on context: HiredisContext,
        _ body: (HiredisContext) throws(RedisError) -> Result
    ) -> Swift.Result<Result, RedisError> {
        assert(thread.isCurrentThread, "hiredis must only be called on the connection's own thread")
        return Swift.Result { () throws(RedisError) -> Result in try body(context) }
    }

    private func connectedContext() async throws -> HiredisContext {
        while true {
            if let context { return context }
            if isClosed { throw RedisError.closed }
            guard let delay = backoff.remainingDelay(now: .now) else { break }
            try await Task.sleep(for: delay)
        }
        do {
            let context = try openContext()
            if backoff.consecutiveFailures > 0 || hasConnectedBefore {
                logger.notice("reconnected to Redis", metadata: ["failedAttempts": "\(backoff.consecutiveFailures)"])
            } else {
                logger.debug("connected to Redis")
            }
            backoff.reset()
            hasConnectedBefore = true
            self.context = context
            return context
        } catch {
            backoff.recordFailure(now: .now)
            logger.warning(
                "cannot connect to Redis",
                metadata: ["error": "\(error.message)", "consecutiveFailures": "\(backoff.consecutiveFailures)"]
            )
            throw error
        }
    }

    /// Connects, authenticates and selects the database. Blocks this connection's thread.
    private func openContext() throws(RedisError) -> HiredisContext {
        assert(thread.isCurrentThread, "hiredis must only be called on the connection's own thread")
        let context = try HiredisContext.connect(
            host: configuration.host,
            port: configuration.port,
            timeout: configuration.connectTimeout
        )
        do throws(RedisError) {
            try context.setTimeout(configuration.commandTimeout)
            if let password = configuration.password {
                var auth: [[UInt8]] = [Array("AUTH".utf8)]
                if let username = configuration.username { auth.append(Array(username.utf8)) }
                auth.append(Array(password.utf8))
                if case .error(let message) = try context.execute(auth, commandName: "AUTH") {
                    throw .connectionFailed("authentication to \(context.endpoint) failed: \(message)")
                }
            }
            if configuration.database != 0 {
                let select = [Array("SELECT".utf8), Array(String(configuration.database).utf8)]
                if case .error(let message) = try context.execute(select, commandName: "SELECT") {
                    throw .connectionFailed("SELECT \(configuration.database) on \(context.endpoint) failed: \(message)")
                }
            }
        } catch {
            guard error.code == .connectionLost else { throw error }
            throw .connectionFailed("setting up the connection to \(context.endpoint) failed: \(error.message)")
        }
        return context
    }

    private func discardContext(reason: String) {
        guard context != nil else { return }
        logger.warning("discarding the Redis connection", metadata: ["reason": "\(reason)"])
        context = nil
    }

    /// The command's name for logs and errors (its first argument, upper-cased); never the arguments.
    static func commandName(_ arguments: [[UInt8]]) -> String {
        guard let first = arguments.first else { return "(empty command)" }
        return String(decoding: first.prefix(32), as: UTF8.self).uppercased()
    }
}
