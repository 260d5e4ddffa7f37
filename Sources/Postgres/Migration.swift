/// One numbered schema change, embedded in the binary that needs it.
public struct Migration: Sendable, Hashable {
    /// The migration's number; a list's versions must be strictly increasing and positive.
    public var version: Int
    /// A short description, recorded in `schema_migrations.name`.
    public var name: String
    /// The SQL; several statements separated by semicolons are fine. It must not contain
    /// transaction control (BEGIN/COMMIT): the migrator wraps it in a transaction.
    public var sql: String
    /// False for statements that cannot run in a transaction (`CREATE INDEX CONCURRENTLY`); such a
    /// migration is not atomic, and a failure part-way needs manual repair.
    public var transactional: Bool

    public init(version: Int, name: String, sql: String, transactional: Bool = true) {
        self.version = version
        self.name = name
        self.sql = sql
        self.transactional = transactional
    }
}

/// What `Migrator.apply` did.
public struct MigrationReport: Sendable, Equatable {
    /// Versions applied by this call, in order (empty when the schema was already current).
    public var applied: [Int]
    /// The database's highest version afterwards (nil when there are no migrations at all).
    public var currentVersion: Int?

    public init(applied: [Int], currentVersion: Int?) {
        self.applied = applied
        self.currentVersion = currentVersion
    }
}
