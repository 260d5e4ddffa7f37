extension PostgresConnection {
    /// `pg_try_advisory_lock(key)`: takes the session-level advisory lock if free; never waits.
    /// Session locks stack: each successful call needs its own unlock. They are released when the
    /// connection closes. Use them on a `PostgresSession`, never on a pooled connection.
    /// - Returns: true if the lock is now held by this connection.
    public func tryAdvisoryLock(key: Int64) throws -> Bool {
        try query("SELECT pg_try_advisory_lock($1)", [.int64(key)]).first?.decode(Bool.self, at: 0) ?? false
    }

    /// `pg_advisory_lock(key)`: waits until the session-level advisory lock is free, then takes it.
    public func advisoryLock(key: Int64) throws {
        try execute("SELECT pg_advisory_lock($1)", [.int64(key)])
    }

    /// `pg_advisory_unlock(key)`: releases one hold of the lock.
    /// - Returns: false if this connection did not hold it.
    @discardableResult
    public func advisoryUnlock(key: Int64) throws -> Bool {
        try query("SELECT pg_advisory_unlock($1)", [.int64(key)]).first?.decode(Bool.self, at: 0) ?? false
    }

    /// Whether this connection currently holds the session-level advisory lock (from `pg_locks`).
    public func holdsAdvisoryLock(key: Int64) throws -> Bool {
        let high = Int64(UInt32(truncatingIfNeeded: key >> 32))
        let low = Int64(UInt32(truncatingIfNeeded: key))
        let rows = try query(
            """
            SELECT EXISTS (
                SELECT 1 FROM pg_locks
                WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objsubid = 1
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND classid::bigint = $1 AND objid::bigint = $2)
            """, [.int64(high), .int64(low)])
        return try rows.first?.decode(Bool.self, at: 0) ?? false
    }
}
