import Foundation
import Postgres
import Testing

@Suite("Bulk paths")
struct BulkTests {
    @Test func unnestArrayInsert() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            try await pool.execute("CREATE TABLE files (id bigint PRIMARY KEY, path text, size bigint)")
            let ids = Array(1...1000)
            let paths: [String?] = ids.map { $0 % 100 == 0 ? nil : "/gpfs/fs1/dir \($0)/file,\"\($0)\".dat" }
            let inserted = try await pool.execute(
                "INSERT INTO files (id, path, size) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[])",
                [.array(ids), .array(paths), .array(ids.map { Int64($0) * 1024 })])
            #expect(inserted == 1000)
            let back = try await pool.query("SELECT path FROM files ORDER BY id").decodeColumn(String?.self, "path")
            #expect(back == paths)
            let updated = try await pool.execute(
                "UPDATE files SET size = 0 WHERE id = ANY($1)", [.array([1, 2, 3])])
            #expect(updated == 3)
        }
    }

    @Test func executeManyPipelinesAtomically() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            try await pool.execute("CREATE TABLE tasks (id bigint PRIMARY KEY, state text NOT NULL)")
            try await pool.execute("INSERT INTO tasks SELECT g, 'queued' FROM generate_series(1, 2000) g")
            let updates: [[PostgresBind?]] = (1...2000).map { [.string($0 % 2 == 0 ? "done" : "failed"), .int($0)] }
            let changed = try await pool.executeMany("UPDATE tasks SET state = $1 WHERE id = $2", updates)
            #expect(changed == 2000)
            let done = try await pool.query("SELECT count(*) AS n FROM tasks WHERE state = 'done'")[0].decode(Int.self, "n")
            #expect(done == 1000)

            // One failing statement: nothing of the batch is kept, and the error is the server's.
            var failing: [[PostgresBind?]] = (1...600).map { [.int(10_000 + $0), "new"] }
            failing[450] = [.int(1), "duplicate"]
            let error = await #expect(throws: PostgresError.self) {
                try await pool.executeMany("INSERT INTO tasks (id, state) VALUES ($1, $2)", failing)
            }
            #expect(error?.isUniqueViolation == true)
            let total = try await pool.query("SELECT count(*) AS n FROM tasks")[0].decode(Int.self, "n")
            #expect(total == 2000)
            // The connection is usable afterwards.
            #expect(try await pool.execute("SELECT 1") == 1)
        }
    }

    @Test func copyInEscapesEverything() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, schema async throws in
            try await pool.execute("CREATE TABLE copied (id int, t text, b bytea, tags text[], at timestamptz)")
            let nasty = "tab\there\nnewline\r\\backslash \\N not null 'q' \"dq\" é🚀"
            let rows: [[PostgresBind?]] = [
                [1, .string(nasty), .bytea([0, 9, 10, 92]), .array(["a\tb", "c\\d", nil]), .date(.init(timeIntervalSince1970: 0))],
                [2, nil, nil, nil, nil],
                [3, "\\N", .bytea([]), .array([String]()), .date(.init(timeIntervalSince1970: 1.5))],
            ]
            let table = PostgresIdentifier(schema: schema, name: "copied")
            let copied = try await pool.copyIn(into: table, columns: ["id", "t", "b", "tags", "at"], rows: rows)
            #expect(copied == 3)
            let back = try await pool.query("SELECT * FROM copied ORDER BY id")
            #expect(try back[0].decode(String.self, "t") == nasty)
            #expect(try back[0].decode([UInt8].self, "b") == [0, 9, 10, 92])
            #expect(try back[0].decode([String?].self, "tags") == ["a\tb", "c\\d", nil])
            #expect(try back[1].decode(String?.self, "t") == nil)
            #expect(try back[1].decode([UInt8]?.self, "b") == nil)
            #expect(try back[2].decode(String.self, "t") == "\\N")
            #expect(try back[2].decode([UInt8].self, "b") == [])
            #expect(try back[2].decode(Date.self, "at").timeIntervalSince1970 == 1.5)

            let error = await #expect(throws: PostgresError.self) {
                try await pool.copyIn(into: table, columns: ["id", "t"], rows: [[4, "ok"], [5]])
            }
            #expect(error?.code == .invalidArgument)
            let badType = await #expect(throws: PostgresError.self) {
                try await pool.copyIn(into: table, columns: ["id"], rows: [[6], ["not a number"]])
            }
            #expect(badType?.sqlState == "22P02")
            #expect(try await pool.query("SELECT count(*) AS n FROM copied")[0].decode(Int.self, "n") == 3)
        }
    }

    @Test func copyStatementsThroughQueryAreRefusedCleanly() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            try await pool.execute("CREATE TABLE c (id int)")
            let error = await #expect(throws: PostgresError.self) { try await pool.execute("COPY c FROM STDIN") }
            #expect(error?.code == .invalidArgument)
            #expect(try await pool.execute("INSERT INTO c VALUES (1)") == 1)
            let out = await #expect(throws: PostgresError.self) { try await pool.query("COPY (SELECT g FROM generate_series(1, 5000) g) TO STDOUT") }
            #expect(out?.code == .invalidArgument)
            #expect(try await pool.execute("INSERT INTO c VALUES (2)") == 1)
        }
    }
}
