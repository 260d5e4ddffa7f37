import Foundation
import HubCore
import Postgres
import Shared
import Testing

@testable import HubServer

/// Task state changes are HOT updates (migration 16), against real PostgreSQL: no index of `tasks` names a
/// column they write, so applying results adds no index entries; `dispatched` is false only for a PENDING
/// task waiting to be sent (a CHECK holds every path to it); invalidations are counted for the alert once.
@Suite struct TaskUpdatesTests {
    /// The columns a started event, a result or a cancel writes (`dispatched` only ever to true).
    static let stateColumns = ["state", "attempt", "summary", "error", "node", "logs", "started", "finished", "output", "streamed"]

    @Test func noIndexOfTasksNamesAColumnAStateChangeWrites() async throws {
        try await EngineFixture.with { fixture in
            let definitions = try await fixture.pool.query(
                "SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = 'tasks'::regclass"
            ).map { (try $0.decode(String.self, "name"), try $0.decode(String.self, "def")) }
            #expect(definitions.count >= 6, "the tasks table's indexes were not found")
            for (name, definition) in definitions {
                let words = Set(definition.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init))
                let named = Self.stateColumns.filter(words.contains)
                #expect(named.isEmpty, "index \(name) names \(named): every result would rewrite every index (\(definition))")
            }
        }
    }

    /// The engine's own started and result statements, on tasks as they are inserted, are HOT updates.
    @Test func applyingResultsAddsNoIndexEntries() async throws {
        try await EngineFixture.with { fixture in
            let (job, _) = try await fixture.job(tasks: 30)
            let wireIDs = try await fixture.pool.query(
                "SELECT task_id FROM tasks WHERE job_id = $1 AND state = 'PENDING' ORDER BY id", [.int64(job)]
            ).decodeColumn(String.self, "task_id")
            let runs = fixture.engine.runs
            let (updated, hot) = try await fixture.pool.transaction { conn -> (Int, Int) in
                var applier = ResultApplier(conn: conn, runs: runs)
                try applier.started(wireIDs.prefix(10).map { TaskStarted(taskID: $0, attempt: 1, jobID: Int(job), node: "node-1:1:1", started: Date()) })
                try applier.results(
                    wireIDs.map { id in
                        var status = TaskStatus(task: "dynamo.tasks.migrate", inputPaths: [], inputTotal: 1, started: Date())
                        status.summary["processed"] = 1
                        return TaskResult(taskID: id, attempt: 1, jobID: Int(job), paths: [], status: status, error: nil, node: "node-1:1:1")
                    })
                let row = try conn.query(
                    "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = 'tasks'::regclass"
                ).first
                return (try row?.decode(Int.self, "n_tup_upd") ?? -1, try row?.decode(Int.self, "n_tup_hot_upd") ?? -1)
            }
            #expect(updated == 40, "10 started events and 30 results")
            // Most, not all: a page of tasks inserted together keeps half its space (fillfactor 50) for the
            // new versions, and the ten tasks updated twice in one transaction need three versions at once.
            // An index naming a written column makes this 0.
            #expect(hot * 2 >= updated, "\(updated - hot) of \(updated) task updates rewrote the indexes")
        }
    }

    @Test func onlyAPendingTaskCanWaitToBeSent() async throws {
        try await EngineFixture.with { fixture in
            let (job, _) = try await fixture.job(tasks: 2)
            // The SKIPPED task, final at its insert, is not waiting: the sweep's index never holds it.
            #expect(try await fixture.count("SELECT count(*) AS n FROM tasks WHERE job_id = $1 AND NOT dispatched", [.int64(job)]) == 0)
            await #expect(throws: PostgresError.self) {
                try await fixture.pool.execute("UPDATE tasks SET dispatched = false WHERE job_id = $1 AND state = 'SKIPPED'", [.int64(job)])
            }
            // A paused job's tasks wait unsent; cancelling it takes them out of waiting with their state.
            try await fixture.pool.execute("UPDATE tasks SET dispatched = false WHERE job_id = $1 AND state = 'PENDING'", [.int64(job)])
            try await fixture.pool.execute("UPDATE jobs SET state = 'PAUSED' WHERE id = $1", [.int64(job)])
            _ = try await fixture.engine.control(.cancel, job: job)
            #expect(
                try await fixture.pool.query("SELECT state FROM tasks WHERE job_id = $1 AND state <> 'SKIPPED'", [.int64(job)])
                    .decodeColumn(String.self, "state") == ["CANCELLED", "CANCELLED"])
            #expect(try await fixture.count("SELECT count(*) AS n FROM tasks WHERE job_id = $1 AND NOT dispatched", [.int64(job)]) == 0)
        }
    }

    /// Housekeeping's clean-up of a cancelled job's leftovers (an exit half-way through a cancel) takes
    /// waiting tasks out of waiting too.
    @Test func leftoverTasksOfACancelledJobAreCancelledOutOfWaiting() async throws {
        try await EngineFixture.with { fixture in
            let (job, _) = try await fixture.job(tasks: 2)
            try await fixture.pool.execute("UPDATE tasks SET dispatched = false WHERE job_id = $1 AND state = 'PENDING'", [.int64(job)])
            try await fixture.pool.execute("UPDATE jobs SET state = 'CANCELLED' WHERE id = $1", [.int64(job)])
            #expect(try await fixture.engine.cancelLeftoverTasks() == 2)
            #expect(try await fixture.count("SELECT count(*) AS n FROM tasks WHERE job_id = $1 AND state = 'CANCELLED' AND dispatched", [.int64(job)]) == 2)
        }
    }
}
