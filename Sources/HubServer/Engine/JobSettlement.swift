import Foundation
import HubCore
import Postgres

/// Keeps a job's counters and state in step with its tasks, inside the transaction that changes them.
enum JobSettlement {
    /// What one transaction did to a job's tasks.
    struct Delta: Sendable {
        var created = 0
        var opened = 0
        var closed = 0
        var failedTasks = 0
        var failedFiles = 0
        var numfiles = 0
    }

    /// Applies `delta` to the job's counters and moves the job to the state they imply. Returns the
    /// job's state afterwards.
    @discardableResult
    static func apply(_ delta: Delta, job: Int64, on conn: PostgresConnection) throws -> JobState {
        guard
            let row = try conn.query(
                """
                UPDATE jobs SET open_tasks = open_tasks + $2 - $3, total_tasks = total_tasks + $4,
                                failed_tasks = failed_tasks + $5, failed_files = failed_files + $6,
                                numfiles = numfiles + $7, modified = now()
                WHERE id = $1
                RETURNING state, open_tasks, total_tasks, failed_tasks, failed_files
                """,
                [
                    .int64(job), .int(delta.opened), .int(delta.closed), .int(delta.created), .int(delta.failedTasks),
                    .int(delta.failedFiles), .int(delta.numfiles),
                ]
            ).first
        else { return .unknown }
        let state = JobState(rawValue: try row.decode(String.self, "state")) ?? .unknown
        return try settle(
            job: job, state: state, open: try row.decode(Int.self, "open_tasks"), total: try row.decode(Int.self, "total_tasks"),
            failedTasks: try row.decode(Int.self, "failed_tasks"), failedFiles: try row.decode(Int.self, "failed_files"),
            on: conn)
    }

    /// Applies many jobs' deltas with one statement, then settles each.
    static func apply(_ deltas: [Int64: Delta], on conn: PostgresConnection) throws {
        guard !deltas.isEmpty else { return }
        let jobs = deltas.keys.sorted()
        let rows = try conn.query(
            """
            UPDATE jobs j SET open_tasks = j.open_tasks + d.opened - d.closed, total_tasks = j.total_tasks + d.created,
                              failed_tasks = j.failed_tasks + d.failed_tasks, failed_files = j.failed_files + d.failed_files,
                              numfiles = j.numfiles + d.numfiles, modified = now()
            FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::int8[], $6::int8[], $7::int8[])
                 AS d(id, opened, closed, created, failed_tasks, failed_files, numfiles)
            WHERE j.id = d.id
            RETURNING j.id, j.state, j.open_tasks, j.total_tasks, j.failed_tasks, j.failed_files
            """,
            [
                .array(jobs), .array(jobs.map { deltas[$0]?.opened ?? 0 }), .array(jobs.map { deltas[$0]?.closed ?? 0 }),
                .array(jobs.map { deltas[$0]?.created ?? 0 }), .array(jobs.map { deltas[$0]?.failedTasks ?? 0 }),
                .array(jobs.map { deltas[$0]?.failedFiles ?? 0 }), .array(jobs.map { deltas[$0]?.numfiles ?? 0 }),
            ])
        for row in rows {
            _ = try settle(
                job: try row.decode(Int64.self, "id"), state: JobState(rawValue: try row.decode(String.self, "state")) ?? .unknown,
                open: try row.decode(Int.self, "open_tasks"), total: try row.decode(Int.self, "total_tasks"),
                failedTasks: try row.decode(Int.self, "failed_tasks"), failedFiles: try row.decode(Int.self, "failed_files"),
                on: conn)
        }
    }

    /// Moves the job to the state its counters imply (spec/03 sections 15.1 and 17.6).
    static func settle(
        job: Int64, state: JobState, open: Int, total: Int, failedTasks: Int, failedFiles: Int, on conn: PostgresConnection
    ) throws -> JobState {
        guard !state.isFinal else { return state }
        // Running = started, or sent to a worker and possibly being picked up right now, or being sent
        // (`dispatched` covers both: on a queue, or in an outbox batch on its way).
        var running = 0
        if state == .pausing || state == .dequeuing || open == 0 {
            running =
                try conn.query(
                    """
                    SELECT count(*) AS n FROM tasks
                    WHERE job_id = $1
                      AND (state = 'STARTED' OR (state = 'PENDING' AND dispatched))
                    """, [.int64(job)]
                ).decodeColumn(Int.self, "n").first ?? 0
        }
        let progress = JobProgress(
            pendingTasks: max(0, open - running), startedTasks: running, failedTasks: failedTasks,
            finishedTasks: max(0, total - open), failedFiles: failedFiles, outstandingDiscovery: false)
        let next = JobStateMachine.derive(current: state, progress: progress)
        guard next != state else { return state }
        if next.isFinal,
            try SnapdiffFinalizer.schedule(job: job, outcome: next, failed: failedFiles > 0 || failedTasks > 0, on: conn)
        {
            return state  // the job ends when its snapshots are rotated (or rolled back)
        }
        if next == .cancelled {
            // Whatever never ran is cancelled with the job (not its end-of-job tasks: they release locks).
            let cancelled = try conn.execute(
                """
                UPDATE tasks SET state = 'CANCELLED', finished = now(), dispatched = true
                WHERE job_id = $1 AND state = 'PENDING' AND name <> ALL($2::text[])
                """, [.int64(job), .array(Dispatcher.finalizerTasks)])
            _ = try conn.execute(
                "UPDATE jobs SET open_tasks = open_tasks - $2 WHERE id = $1", [.int64(job), .int(cancelled)])
        }
        // `completed` is when the job settled, not when its transaction began (now()): that transaction may
        // have recorded thousands of results and waited for the job's lock first.
        try conn.execute(
            """
            UPDATE jobs SET state = $2, modified = now(),
                            started = CASE WHEN $2 = 'STARTED' THEN COALESCE(started, now()) ELSE started END,
                            completed = CASE WHEN $2 IN ('SUCCESS', 'FAILURE', 'CANCELLED') THEN clock_timestamp() ELSE completed END
            WHERE id = $1
            """, [.int64(job), .string(next.rawValue)])
        return next
    }

    /// Reads the job's counters and settles it (after a control request).
    @discardableResult
    static func settle(job: Int64, on conn: PostgresConnection) throws -> JobState {
        try apply(Delta(), job: job, on: conn)
    }
}
