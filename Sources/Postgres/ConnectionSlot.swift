import Logging

/// A pooled connection's home: a dedicated thread and, touched only from that thread, the libpq
/// connection, which is opened on first use and re-opened after it breaks.
final class ConnectionSlot: @unchecked Sendable {
    // @unchecked Sendable: `connection` is only read or written by jobs running on `thread`, which runs
    // one job at a time; everything else is immutable.
    let id: Int
    let thread: ConnectionThread
    private let configuration: PostgresConfiguration
    private let logger: Logger
    private var connection: PostgresConnection?

    init(id: Int, name: String, configuration: PostgresConfiguration, logger: Logger) {
        self.id = id
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "pg.connection"] = "\(name)"
        self.logger = logger
        thread = ConnectionThread(name: name)
    }

    /// Runs `body` with a healthy connection on the slot's thread; the caller suspends meanwhile.
    /// Afterwards a transaction left open is rolled back and a broken connection dropped.
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await thread.run { [self] in
            let connection = try connectionForUse()
            defer { finishUse(connection) }
            return try body(connection)
        }
    }

    /// On the thread: the connection, opening a new one if there is none or the old one died.
    private func connectionForUse() throws -> PostgresConnection {
        if let connection {
            if connection.checkAlive() { return connection }
            logger.warning("discarding a broken PostgreSQL connection; reconnecting")
            connection.close()
            self.connection = nil
        }
        let fresh = try PostgresConnection.connect(configuration: configuration, logger: logger)
        connection = fresh
        return fresh
    }

    /// On the thread: leaves the connection idle and clean, or drops it.
    private func finishUse(_ used: PostgresConnection) {
        guard used.isConnected else {
            logger.warning("PostgreSQL connection lost; it will be replaced on next use")
            used.close()
            connection = nil
            return
        }
        if used.transactionState != .idle {
            logger.warning("a transaction was left open on a connection; rolling it back")
            used.rollbackQuietly()
            if used.transactionState != .idle {
                used.close()
                connection = nil
            }
        }
    }

    /// Closes the connection on its thread and lets the thread exit. Waits for both.
    func shutdown() async {
        _ = try? await thread.run { [self] in closeConnection() }
        thread.stop()
    }

    /// Like `shutdown()` but without waiting (for deinit and release paths).
    func shutdownSoon() {
        _ = thread.submit { [self] in closeConnection() }
        thread.stop()
    }

    private func closeConnection() {
        connection?.close()
        connection = nil
    }
}
