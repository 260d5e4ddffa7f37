import Foundation
import Logging
import Postgres
import Shared
import Testing

@testable import HubServer

/// Per-file outcomes stored as sets (migration 11), against the test database: rows of the old table are
/// regrouped with their order kept, ids resolve to their set, and a streamed task's result replaces what
/// it streamed with one merged set (the last word per path).
@Suite struct FileSetsTests {
    /// `body` on the pool's connection with foreign keys off (`session_replication_role`), so outcome
    /// rows need no jobs or tasks.
    func withoutForeignKeys(_ pool: PostgresPool, _ body: @escaping @Sendable (PostgresConnection) throws -> Void) async throws {
        try await pool.withConnection { conn in
            try conn.execute("SET session_replication_role = replica")
            defer { _ = try? conn.execute("SET session_replication_role = DEFAULT") }
            try body(conn)
        }
    }

    static func rows(_ conn: PostgresConnection, task: Int64) throws -> [(id: Int64, path: String, state: String, size: Int64?, message: String?)] {
        try conn.query("SELECT id, path, state, size, message FROM task_files WHERE task_id = $1 ORDER BY id", [.int64(task)]).map {
            (try $0.decode(Int64.self, "id"), try $0.decode(String.self, "path"), try $0.decode(String.self, "state"),
             try $0.decode(Int64?.self, "size"), try $0.decode(String?.self, "message"))
        }
    }

    @Test func migrationRegroupsStoredRowsInTheirOrder() async throws {
        try await TestSchema.with { pool in
            try await TestSchema.migrate(pool, upTo: 10)
            try await withoutForeignKeys(pool) { conn in
                // The tasks the rows belong to (the new table's key is checked by the migration).
                try conn.execute(
                    """
                    INSERT INTO tasks (id, task_id, job_id, run_id, name, kind, site, queue, input, input_total)
                    SELECT id, 't' || id, 1, 1, 'dynamo.tasks.migrate', 'step', 'oslo', 'default', '[]', 0 FROM unnest('{7,8}'::int8[]) AS id
                    """)
                try conn.execute(
                    """
                    INSERT INTO task_files (task_id, job_id, step, path, state, size, message) VALUES
                        (7, 1, true, '/mmfs1/b', 'processed', 10, NULL), (8, 1, false, '/mmfs1/d', 'processed', NULL, NULL),
                        (7, 1, true, '/mmfs1/a', 'failures', NULL, 'no space'), (7, 1, true, '/mmfs1/c', 'skipped', 3, NULL)
                    """)
            }
            try await TestSchema.migrate(pool)
            try await pool.withConnection { conn in
                let seven = try Self.rows(conn, task: 7)
                #expect(seven.map(\.path) == ["/mmfs1/b", "/mmfs1/a", "/mmfs1/c"])
                #expect(seven.map(\.state) == ["processed", "failures", "skipped"])
                #expect(seven.map(\.size) == [10, nil, 3])
                #expect(seven.map(\.message) == [nil, "no space", nil])
                #expect(Set(seven.map { $0.id / Int64(FileSets.perSet) }).count == 1, "one set per task")
                #expect(try Self.rows(conn, task: 8).map(\.path) == ["/mmfs1/d"])
                let step = try conn.query("SELECT step FROM task_files WHERE task_id = 8").decodeColumn(Bool.self, "step")
                #expect(step == [false])
            }
        }
    }

    @Test func aStreamedTaskKeepsOneOutcomePerPathWithTheLastWord() async throws {
        try await TestSchema.with { pool in
            try await TestSchema.migrate(pool)
            try await withoutForeignKeys(pool) { conn in
                // Two progress reports, then the result repeating one file with a new state.
                var first = FileSets()
                first.add(task: 5, job: 2, step: true, mergesStored: false, [(FileDetail(path: "/mmfs1/x", size: 1), "processed")])
                first.add(task: 6, job: 2, step: true, mergesStored: false, [(FileDetail(path: "/mmfs1/other"), "processed")])
                try first.insert(on: conn)
                var second = FileSets()
                second.add(task: 5, job: 2, step: true, mergesStored: false, [(FileDetail(path: "/mmfs1/y"), "failures")])
                try second.insert(on: conn)
                #expect(try Self.rows(conn, task: 5).map(\.path) == ["/mmfs1/x", "/mmfs1/y"])

                var result = FileSets()
                result.add(
                    task: 5, job: 2, step: true, mergesStored: true,
                    [(FileDetail(path: "/mmfs1/y", message: ["retried", "ok"]), "processed"), (FileDetail(path: "/mmfs1/z"), "skipped")])
                try result.insert(on: conn)
                let merged = try Self.rows(conn, task: 5)
                #expect(merged.map(\.path) == ["/mmfs1/x", "/mmfs1/y", "/mmfs1/z"])
                #expect(merged.map(\.state) == ["processed", "processed", "skipped"])
                #expect(merged.map(\.message) == [nil, "retried\nok", nil])
                #expect(merged.map(\.size) == [1, nil, nil])
                let sets = try conn.query("SELECT count(*) AS n FROM task_file_sets WHERE task_id = 5").decodeColumn(Int.self, "n")
                #expect(sets == [1], "the streamed sets were replaced by one merged set")
                #expect(try Self.rows(conn, task: 6).map(\.path) == ["/mmfs1/other"], "another task's set is untouched")
                // A file's id is its set's id times perSet plus its position.
                let base = try #require(merged.first).id
                #expect(base % Int64(FileSets.perSet) == 0)
                #expect(merged.map(\.id) == [base, base + 1, base + 2])
            }
        }
    }

    /// A progress report delivered again (the hub died between its commit and its ack) is merged, as the
    /// result consumer asks for re-deliveries, so its files are not shown twice.
    @Test func aRedeliveredProgressReportDoesNotDoubleItsFiles() async throws {
        try await TestSchema.with { pool in
            try await TestSchema.migrate(pool)
            try await withoutForeignKeys(pool) { conn in
                let report = [(FileDetail(path: "/mmfs1/p"), "processed"), (FileDetail(path: "/mmfs1/q"), "skipped")]
                var first = FileSets()
                first.add(task: 3, job: 1, step: true, mergesStored: false, report)
                try first.insert(on: conn)
                var again = FileSets()
                again.add(task: 3, job: 1, step: true, mergesStored: true, report)
                try again.insert(on: conn)
                #expect(try Self.rows(conn, task: 3).map(\.path) == ["/mmfs1/p", "/mmfs1/q"])
            }
        }
    }

    @Test func aLargeReportIsSplitIntoSetsOfAtMostPerSetFiles() async throws {
        try await TestSchema.with { pool in
            try await TestSchema.migrate(pool)
            try await withoutForeignKeys(pool) { conn in
                var sets = FileSets()
                let count = FileSets.perSet + 3
                sets.add(task: 9, job: 3, step: false, mergesStored: false, (0..<count).map { (FileDetail(path: "/mmfs1/f\($0)"), "processed") })
                try sets.insert(on: conn)
                let lengths = try conn.query("SELECT cardinality(paths) AS n FROM task_file_sets WHERE task_id = 9 ORDER BY id")
                    .decodeColumn(Int.self, "n")
                #expect(lengths == [FileSets.perSet, 3])
                let last = try conn.query("SELECT path FROM task_files WHERE task_id = 9 ORDER BY id DESC LIMIT 1").decodeColumn(String.self, "path")
                #expect(last == ["/mmfs1/f\(count - 1)"])
            }
        }
    }

    @Test func awkwardPathsAndMessagesComeBackUnchanged() async throws {
        let paths = [
            "/mmfs1/a \"quoted\" name", "/mmfs1/back\\slash", "/mmfs1/tab\there", "/mmfs1/new\nline", "/mmfs1/{braces},comma",
            "/mmfs1/NULL", "/mmfs1/ünïcödé ✓", "/mmfs1/  spaces  ",
        ]
        try await TestSchema.with { pool in
            try await TestSchema.migrate(pool)
            try await withoutForeignKeys(pool) { conn in
                var sets = FileSets()
                sets.add(
                    task: 4, job: 1, step: true, mergesStored: false,
                    paths.map { (FileDetail(path: $0, message: [$0, "NULL"], size: -1), "failures") })
                sets.add(task: 4, job: 1, step: true, mergesStored: false, [(FileDetail(path: "/mmfs1/none"), "processed")])
                try sets.insert(on: conn)
                let rows = try Self.rows(conn, task: 4)
                #expect(rows.map(\.path) == paths + ["/mmfs1/none"])
                #expect(rows.map(\.message) == paths.map { "\($0)\nNULL" } + [nil])
                #expect(rows.map(\.size) == Array(repeating: -1, count: paths.count) + [nil])
            }
        }
    }
    /// Migration 12: without per-row foreign keys, deleting jobs (one or several in a statement, as
    /// housekeeping does) still deletes their tasks and file sets, and nothing of the other jobs.
    @Test func deletingJobsDeletesTheirTasksAndFileSets() async throws {
        try await TestSchema.with { pool in
            try await TestSchema.migrate(pool)
            try await pool.withConnection { conn in
                for job in Int64(1)...3 {
                    try conn.execute(
                        "INSERT INTO jobs (id, workflow_name, site, queue, paths, request) VALUES ($1, 'migrate', 'oslo', 'default', '[]', '{}')",
                        [.int64(job)])
                    try conn.execute(
                        "INSERT INTO job_runs (id, job_id, workflow_name, site, resolved) VALUES ($1, $1, 'migrate', 'oslo', '{}')", [.int64(job)])
                    // Two tasks per job (ids 10j, 10j+1), each with a file set.
                    try conn.execute(
                        """
                        INSERT INTO tasks (id, task_id, job_id, run_id, name, kind, site, queue, input, input_total)
                        SELECT id, 't' || id, $1, $1, 'dynamo.tasks.migrate', 'step', 'oslo', 'default', '[]', 0
                        FROM unnest(ARRAY[$1 * 10, $1 * 10 + 1]) AS id
                        """, [.int64(job)])
                    var files = FileSets()
                    for task in [job * 10, job * 10 + 1] {
                        files.add(task: task, job: job, step: true, mergesStored: false, [(FileDetail(path: "/mmfs1/f\(task)"), "processed")])
                    }
                    try files.insert(on: conn)
                }
                func count(_ table: String, job: Int64) throws -> Int {
                    try conn.query("SELECT count(*) AS n FROM \(table) WHERE job_id = $1", [.int64(job)]).decodeColumn(Int.self, "n").first ?? -1
                }
                #expect(try count("task_file_sets", job: 2) == 2)
                try conn.execute("DELETE FROM jobs WHERE id = 2")
                #expect(try count("tasks", job: 2) == 0)
                #expect(try count("task_file_sets", job: 2) == 0)
                try conn.execute("DELETE FROM jobs WHERE id = ANY('{1,3}'::int8[])")
                for job in [Int64(1), 3] {
                    #expect(try count("tasks", job: job) == 0)
                    #expect(try count("task_file_sets", job: job) == 0)
                }
                #expect(try conn.query("SELECT count(*) AS n FROM tasks").decodeColumn(Int.self, "n").first == 0)
                #expect(try conn.query("SELECT count(*) AS n FROM task_file_sets").decodeColumn(Int.self, "n").first == 0)
                // Task ids compare byte-wise.
                let collation = try conn.query(
                    "SELECT collation_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'tasks' AND column_name = 'task_id'"
                ).decodeColumn(String?.self, "collation_name").first
                #expect(collation == "C")
            }
        }
    }
}
