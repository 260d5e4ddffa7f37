import Postgres
import Testing

@Suite("Migrator")
struct MigratorTests {
    static let migrations = [
        Migration(
            version: 1, name: "create jobs",
            sql: """
                CREATE TABLE migration_runs (version int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
                INSERT INTO migration_runs (version) VALUES (1);
                SELECT pg_sleep(0.2);
                CREATE TABLE jobs (id bigserial PRIMARY KEY, name text NOT NULL);
                """),
        Migration(
            version: 2, name: "add jobs.state",
            sql: """
                ALTER TABLE jobs ADD COLUMN state text NOT NULL DEFAULT 'queued';
                INSERT INTO migration_runs (version) VALUES (2);
                """),
        Migration(
            version: 5, name: "index jobs by state",
            sql: """
                CREATE INDEX jobs_state ON jobs (state);
                INSERT INTO migration_runs (version) VALUES (5);
                """),
    ]

    func recordedVersions(_ pool: PostgresPool) async throws -> [Int] {
        try await pool.query("SELECT version FROM schema_migrations ORDER BY version").decodeColumn(Int.self, "version")
    }

    func runs(_ pool: PostgresPool) async throws -> [Int] {
        try await pool.query("SELECT version FROM migration_runs ORDER BY at").decodeColumn(Int.self, "version")
    }

    @Test func appliesInOrderAndIsIdempotent() async throws {
        try await TestDatabase.withSchema(poolSize: 2) { pool, _ async throws in
            let key = TestDatabase.randomLockKey()
            let first = try await Migrator.apply(Self.migrations, on: pool, lockKey: key)
            #expect(first == MigrationReport(applied: [1, 2, 5], currentVersion: 5))
            #expect(try await recordedVersions(pool) == [1, 2, 5])
            #expect(try await runs(pool) == [1, 2, 5])
            let names = try await pool.query("SELECT name FROM schema_migrations ORDER BY version").decodeColumn(String.self, "name")
            #expect(names == ["create jobs", "add jobs.state", "index jobs by state"])

            let second = try await Migrator.apply(Self.migrations, on: pool, lockKey: key)
            #expect(second == MigrationReport(applied: [], currentVersion: 5))
            #expect(try await runs(pool) == [1, 2, 5])

            // A later binary adds a migration: only it runs.
            let later = Self.migrations + [Migration(version: 6, name: "more", sql: "INSERT INTO migration_runs (version) VALUES (6)")]
            #expect(try await Migrator.apply(later, on: pool, lockKey: key).applied == [6])
            #expect(try await runs(pool) == [1, 2, 5, 6])
        }
    }

    @Test func concurrentMigratorsApplyEachMigrationOnce() async throws {
        try await TestDatabase.withSchema(poolSize: 2) { pool, schema async throws in
            let key = TestDatabase.randomLockKey()
            let replica = try TestDatabase.pool(schema: schema)
            do {
                async let a = Migrator.apply(Self.migrations, on: pool, lockKey: key)
                async let b = Migrator.apply(Self.migrations, on: replica, lockKey: key)
                let (reportA, reportB) = try await (a, b)
                #expect((reportA.applied + reportB.applied).sorted() == [1, 2, 5])
                #expect(reportA.applied.isEmpty || reportB.applied.isEmpty)
                #expect(try await runs(pool) == [1, 2, 5])
                #expect(try await recordedVersions(pool) == [1, 2, 5])
            } catch {
                await replica.close()
                throw error
            }
            await replica.close()
        }
    }

    @Test func refusesADatabaseNewerThanTheBinary() async throws {
        try await TestDatabase.withSchema(poolSize: 2) { pool, _ async throws in
            let key = TestDatabase.randomLockKey()
            try await Migrator.apply(Self.migrations, on: pool, lockKey: key)
            let older = Array(Self.migrations.prefix(2))
            let error = await #expect(throws: PostgresError.self) {
                try await Migrator.apply(older, on: pool, lockKey: key)
            }
            #expect(error?.code == .migration)
            #expect(error?.message.contains("newer") == true)
            #expect(error?.message.contains("5") == true)
        }
    }

    @Test func failingMigrationRollsBackAndKeepsTheVersion() async throws {
        try await TestDatabase.withSchema(poolSize: 2) { pool, _ async throws in
            let key = TestDatabase.randomLockKey()
            try await Migrator.apply(Self.migrations, on: pool, lockKey: key)
            let broken = Self.migrations + [
                Migration(
                    version: 7, name: "broken",
                    sql: """
                        CREATE TABLE half_done (id int);
                        INSERT INTO migration_runs (version) VALUES (7);
                        ALTER TABLE jobs ADD COLUMN oops no_such_type;
                        """)
            ]
            let error = await #expect(throws: PostgresError.self) {
                try await Migrator.apply(broken, on: pool, lockKey: key)
            }
            #expect(error?.code == .migration)
            #expect(error?.sqlState == "42704")
            #expect(error?.message.contains("7") == true)
            #expect(try await recordedVersions(pool) == [1, 2, 5])
            #expect(try await runs(pool) == [1, 2, 5])
            let table = try await pool.query("SELECT to_regclass('half_done') IS NULL AS absent")
            #expect(try table[0].decode(Bool.self, "absent"))
        }
    }

    @Test func refusesInvalidLists() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let duplicate = [Migration(version: 1, name: "a", sql: "SELECT 1"), Migration(version: 1, name: "b", sql: "SELECT 1")]
            let decreasing = [Migration(version: 2, name: "a", sql: "SELECT 1"), Migration(version: 1, name: "b", sql: "SELECT 1")]
            for list in [duplicate, decreasing] {
                let error = await #expect(throws: PostgresError.self) {
                    try await Migrator.apply(list, on: pool, lockKey: TestDatabase.randomLockKey())
                }
                #expect(error?.code == .migration)
            }
            let table = try await pool.query("SELECT to_regclass('schema_migrations') IS NULL AS absent")
            #expect(try table[0].decode(Bool.self, "absent"))
        }
    }

    @Test func refusesAGapBelowTheCurrentVersion() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let key = TestDatabase.randomLockKey()
            let ten = Migration(version: 10, name: "ten", sql: "SELECT 1")
            try await Migrator.apply([Self.migrations[0], ten], on: pool, lockKey: key)
            let error = await #expect(throws: PostgresError.self) {
                try await Migrator.apply([Self.migrations[0], Self.migrations[1], ten], on: pool, lockKey: key)
            }
            #expect(error?.message.contains("out of order") == true)
        }
    }
}
