import Postgres
import Testing

@Suite("Parameter safety")
struct ParameterSafetyTests {
    @Test func hostileStringIsStoredVerbatimAndTheTableSurvives() async throws {
        try await TestDatabase.withSchema(poolSize: 2) { pool, _ async throws in
            try await pool.execute("CREATE TABLE x (id serial PRIMARY KEY, value text NOT NULL)")
            let hostile = "'); DROP TABLE x; --"
            let hostiles = [hostile, "\\'; DELETE FROM x; --", "$1", "' OR '1'='1", "\"x\"; DROP TABLE x"]
            for value in hostiles {
                try await pool.execute("INSERT INTO x (value) VALUES ($1)", [.string(value)])
            }
            let stored = try await pool.query("SELECT value FROM x ORDER BY id").decodeColumn(String.self, "value")
            #expect(stored == hostiles)
            let matched = try await pool.query("SELECT count(*) AS n FROM x WHERE value = $1", [.string(hostile)])
            #expect(try matched[0].decode(Int.self, "n") == 1)
            let exists = try await pool.query("SELECT to_regclass('x') IS NOT NULL AS present")
            #expect(try exists[0].decode(Bool.self, "present"))
        }
    }

    @Test func hostileIdentifierIsOneIdentifier() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, schema async throws in
            try await pool.execute("CREATE TABLE x (id int)")
            let name = PostgresIdentifier(schema: schema, name: "weird\"; DROP TABLE x; --")
            try await pool.execute("CREATE TABLE \(name.quoted) (v text)")
            try await pool.execute("INSERT INTO \(name.quoted) (v) VALUES ($1)", ["ok"])
            let rows = try await pool.query("SELECT v FROM \(name.quoted)")
            #expect(try rows[0].decode(String.self, "v") == "ok")
            let tables = try await pool.query(
                "SELECT count(*) AS n FROM pg_tables WHERE schemaname = $1", [.string(schema)])
            #expect(try tables[0].decode(Int.self, "n") == 2)
        }
    }

    @Test func nulBytesInTextAreRejectedNotTruncated() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let error = await #expect(throws: PostgresError.self) {
                try await pool.query("SELECT $1::text", [.string("abc\u{0}def")])
            }
            #expect(error?.code == .invalidArgument)
            // The connection is still fine afterwards.
            #expect(try await pool.query("SELECT 1 AS one")[0].decode(Int.self, "one") == 1)
        }
    }
}
