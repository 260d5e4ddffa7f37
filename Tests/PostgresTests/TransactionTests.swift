import Postgres
import Testing

@Suite("Transactions and errors")
struct TransactionTests {
    struct Boom: Error {}

    static let schemaSQL = """
        CREATE TABLE items (
            id serial PRIMARY KEY,
            name text NOT NULL,
            CONSTRAINT items_name_key UNIQUE (name)
        )
        """

    func count(_ pool: PostgresPool) async throws -> Int {
        try await pool.query("SELECT count(*) AS n FROM items")[0].decode(Int.self, "n")
    }

    @Test func commitWritesEverything() async throws {
        try await TestDatabase.withSchema(poolSize: 2) { pool, _ async throws in
            try await pool.execute(Self.schemaSQL)
            let inserted = try await pool.transaction { connection in
                try connection.execute("INSERT INTO items (name) VALUES ($1)", ["a"])
                    + connection.execute("INSERT INTO items (name) VALUES ($1), ($2)", ["b", "c"])
            }
            #expect(inserted == 3)
            #expect(try await count(pool) == 3)
        }
    }

    @Test func thrownErrorRollsBack() async throws {
        try await TestDatabase.withSchema(poolSize: 2) { pool, _ async throws in
            try await pool.execute(Self.schemaSQL)
            await #expect(throws: Boom.self) {
                try await pool.transaction { connection in
                    try connection.execute("INSERT INTO items (name) VALUES ($1)", ["a"])
                    throw Boom()
                }
            }
            #expect(try await count(pool) == 0)
        }
    }

    @Test func sqlErrorInsideTransactionSurfacesSQLStateAndRollsBack() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            try await pool.execute(Self.schemaSQL)
            let error = await #expect(throws: PostgresError.self) {
                try await pool.transaction { connection in
                    try connection.execute("INSERT INTO items (name) VALUES ($1)", ["a"])
                    try connection.execute("INSERT INTO no_such_table VALUES (1)")
                }
            }
            #expect(error?.code == .server)
            #expect(error?.sqlState == "42P01")
            #expect(error?.query == "INSERT INTO no_such_table VALUES (1)")
            #expect(try await count(pool) == 0)
        }
    }

    @Test func uniqueViolationNamesTheConstraint() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            try await pool.execute(Self.schemaSQL)
            try await pool.execute("INSERT INTO items (name) VALUES ($1)", ["dup"])
            let error = await #expect(throws: PostgresError.self) {
                try await pool.execute("INSERT INTO items (name) VALUES ($1)", ["dup"])
            }
            #expect(error?.isUniqueViolation == true)
            #expect(error?.sqlState == "23505")
            #expect(error?.constraint == "items_name_key")
            #expect(error?.table == "items")
            #expect(error?.detail?.contains("dup") == true)
            #expect(error?.isSerializationFailure == false)
        }
    }

    @Test func swallowedSQLErrorStillPreventsCommit() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            try await pool.execute(Self.schemaSQL)
            let error = await #expect(throws: PostgresError.self) {
                try await pool.transaction { connection in
                    try connection.execute("INSERT INTO items (name) VALUES ($1)", ["kept?"])
                    _ = try? connection.execute("SELECT 1/0")
                }
            }
            #expect(error?.sqlState == "25P02")
            #expect(try await count(pool) == 0)
        }
    }

    @Test func nestedTransactionUsesASavepoint() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            try await pool.execute(Self.schemaSQL)
            try await pool.transaction { connection in
                try connection.execute("INSERT INTO items (name) VALUES ($1)", ["outer"])
                do {
                    try connection.transaction { inner in
                        try inner.execute("INSERT INTO items (name) VALUES ($1)", ["inner"])
                        try inner.execute("INSERT INTO items (name) VALUES ($1)", ["outer"])  // unique violation
                    }
                } catch let error as PostgresError where error.isUniqueViolation {
                    // handled: only the inner work is undone
                }
                try connection.execute("INSERT INTO items (name) VALUES ($1)", ["after"])
            }
            let names = try await pool.query("SELECT name FROM items ORDER BY id").decodeColumn(String.self, "name")
            #expect(names == ["outer", "after"])
        }
    }

    @Test func serializableIsolationIsApplied() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let level = try await pool.transaction(isolation: .serializable) { connection in
                try connection.query("SHOW transaction_isolation")[0].decode(String.self, at: 0)
            }
            #expect(level == "serializable")
        }
    }

    @Test func transactionLeftOpenIsRolledBackOnRelease() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            try await pool.execute(Self.schemaSQL)
            try await pool.withConnection { connection in
                try connection.execute("BEGIN")
                try connection.execute("INSERT INTO items (name) VALUES ($1)", ["leaked"])
            }
            #expect(try await count(pool) == 0)
            let state = try await pool.withConnection { connection in connection.transactionState == .idle }
            #expect(state)
        }
    }
}
