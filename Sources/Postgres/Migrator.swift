import Logging

/// Applies numbered migrations at start-up.
///
/// The database records applied versions in `schema_migrations(version, name, applied_at)` (created
/// in the first schema of the connection's `search_path`). `apply` takes a PostgreSQL advisory lock
/// first, so hub replicas starting together migrate one after another and each migration runs
/// exactly once; it then applies the pending migrations in version order, each in its own
/// transaction together with its `schema_migrations` row.
public enum Migrator {
    /// The advisory lock key used by default ("ngmigr" in ASCII).
    public static let defaultLockKey: Int64 = 0x6E67_6D69_6772

    /// Brings the database up to the last migration of `migrations`.
    ///
    /// - Parameters:
    ///   - migrations: the binary's migrations, strictly increasing versions (all > 0).
    ///   - pool: the pool whose configuration is used; the work runs on a dedicated session that is
    ///     closed at the end (so the lock is released even if unlocking fails).
    ///   - lockKey: the advisory lock serialising concurrent migrators of the same database.
    ///   - logger: where progress is logged; the pool's logger when nil.
    /// - Returns: which versions were applied.
    /// - Throws: `PostgresError` with code `.migration` when the list is invalid (duplicate or
    ///   decreasing versions), when the database holds a version the list does not know (its schema is
    ///   newer than this binary), or when a known version is missing below the database's latest one;
    ///   and when a migration fails (`underlying` holds the server error). A failed migration is rolled
    ///   back and leaves the recorded version unchanged; migrations applied before it stay applied.
    @discardableResult
    public static func apply(
        _ migrations: [Migration], on pool: PostgresPool, lockKey: Int64 = defaultLockKey,
        logger: Logger? = nil
    ) async throws -> MigrationReport {
        try validate(migrations)
        let logger = logger ?? pool.logger
        return try await pool.withSession(name: "migrator") { session in
            try await session.withConnection { connection in
                try run(migrations, connection: connection, lockKey: lockKey, logger: logger)
            }
        }
    }

    /// Rejects lists whose versions are not positive and strictly increasing.
    static func validate(_ migrations: [Migration]) throws {
        var previous: Migration?
        for migration in migrations {
            guard migration.version > 0 else {
                throw PostgresError(
                    code: .migration, message: "migration \(migration.version) (\(migration.name)): versions must be positive")
            }
            if let previous, migration.version <= previous.version {
                let problem = migration.version == previous.version ? "duplicated" : "not increasing"
                throw PostgresError(
                    code: .migration,
                    message: "migration versions are \(problem): \(previous.version) (\(previous.name)) is followed by \(migration.version) (\(migration.name))")
            }
            previous = migration
        }
    }

    private static func run(
        _ migrations: [Migration], connection: PostgresConnection, lockKey: Int64, logger: Logger
    ) throws -> MigrationReport {
        try connection.advisoryLock(key: lockKey)
        defer { _ = try? connection.advisoryUnlock(key: lockKey) }
        try connection.executeScript(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version bigint PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let rows = try connection.query("SELECT version, name FROM schema_migrations ORDER BY version")
        var recorded: [Int: String] = [:]
        for row in rows { recorded[try row.decode(Int.self, "version")] = try row.decode(String.self, "name") }
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        let latestKnown = migrations.last?.version ?? 0
        if let unknown = recorded.keys.sorted().first(where: { known[$0] == nil }) {
            throw PostgresError(
                code: .migration,
                message: "the database has migration \(unknown) (\(recorded[unknown] ?? "")), which this binary does not know (its latest is \(latestKnown)): the schema is newer than this binary; upgrade the binary")
        }
        for (version, name) in recorded where known[version]?.name != name {
            logger.warning("migration \(version) is recorded as '\(name)' but named '\(known[version]?.name ?? "")' in this binary")
        }
        let latestRecorded = recorded.keys.max() ?? 0
        let pending = migrations.filter { recorded[$0.version] == nil }
        if let gap = pending.first(where: { $0.version < latestRecorded }) {
            throw PostgresError(
                code: .migration,
                message: "migration \(gap.version) (\(gap.name)) is not applied but the database is already at version \(latestRecorded); refusing to apply migrations out of order")
        }
        var applied: [Int] = []
        for migration in pending {
            logger.info("applying migration \(migration.version): \(migration.name)")
            do {
                let body: (PostgresConnection) throws -> Void = { connection in
                    try connection.executeScript(migration.sql)
                    try connection.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                        [.int(migration.version), .string(migration.name)])
                }
                if migration.transactional {
                    try connection.transaction(body)
                } else {
                    try body(connection)
                }
            } catch {
                throw PostgresError(
                    code: .migration, message: "migration \(migration.version) (\(migration.name)) failed and was rolled back",
                    sqlState: (error as? PostgresError)?.sqlState, detail: (error as? PostgresError)?.message,
                    underlying: error)
            }
            applied.append(migration.version)
        }
        if !applied.isEmpty { logger.info("database schema is at version \(applied.last ?? 0)") }
        return MigrationReport(applied: applied, currentVersion: recorded.keys.max().map { max($0, applied.last ?? 0) } ?? applied.last)
    }
}
