import Logging

/// Transaction isolation levels for `BEGIN ISOLATION LEVEL ...`.
public enum PostgresIsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension PostgresConnection {
    /// Runs `body` in a transaction: `BEGIN`, then `COMMIT` when it returns, `ROLLBACK` when it throws.
    ///
    /// Nested calls (inside an open transaction) use a savepoint instead, so an inner failure rolls
    /// back only the inner work. If `body` catches a SQL error and returns normally, the transaction
    /// is aborted on the server; it is rolled back and an error is thrown rather than reporting a
    /// commit that did not happen.
    /// - Parameter isolation: isolation level (outermost transaction only); nil is the server default.
    /// - Throws: what `body` throws, or `PostgresError` from BEGIN/COMMIT (a serialization failure at
    ///   commit has `isSerializationFailure`).
    public func transaction<T>(
        isolation: PostgresIsolationLevel? = nil, _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        let state = transactionState
        if state == .inTransaction || state == .failed {
            return try savepoint(body)
        }
        try execute(isolation.map { "BEGIN ISOLATION LEVEL \($0.rawValue)" } ?? "BEGIN")
        let result: T
        do {
            result = try body(self)
        } catch {
            rollbackQuietly()
            throw error
        }
        if transactionState == .failed {
            rollbackQuietly()
            throw PostgresError(
                code: .server, message: "the transaction was aborted by an earlier error caught inside it; it has been rolled back",
                sqlState: "25P02")
        }
        do {
            try execute("COMMIT")
        } catch {
            if transactionState != .idle { rollbackQuietly() }
            throw error
        }
        return result
    }

    private func savepoint<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        savepointCounter += 1
        let name = "ngenea_sp_\(savepointCounter)"
        try execute("SAVEPOINT \(name)")
        do {
            let result = try body(self)
            if transactionState == .failed {
                throw PostgresError(
                    code: .server, message: "the savepoint's work was aborted by an earlier error caught inside it",
                    sqlState: "25P02")
            }
            try execute("RELEASE SAVEPOINT \(name)")
            return result
        } catch {
            if isConnected {
                _ = try? execute("ROLLBACK TO SAVEPOINT \(name)")
                _ = try? execute("RELEASE SAVEPOINT \(name)")
            }
            throw error
        }
    }

    /// Rolls back if the connection is usable; errors are logged, not thrown (the caller is already
    /// handling a failure, and the pool discards a connection left in a transaction).
    func rollbackQuietly() {
        guard isConnected, transactionState != .idle else { return }
        do {
            try execute("ROLLBACK")
        } catch {
            logger.warning("ROLLBACK failed: \(error)")
        }
    }
}
