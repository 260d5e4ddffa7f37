import Foundation
import HubCore
import Postgres
import Shared

/// The periodic duties of spec/03 section 14 that the configuration drives.
extension WorkflowEngine {
    /// How an invalidated task's error begins (the alert counts them, `task_invalidations`).
    static let invalidationPrefix = "invalidated:"

    /// The final job states as an SQL list.
    static let finalJobStates = "(" + JobState.allCases.filter(\.isFinal).map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"

    /// Runs `duty` if no replica ran it within `interval` seconds: the `housekeeping` row is the claim, so
    /// several hubs share one schedule without an advisory lock held across the work.
    func claimDuty(_ name: String, every interval: Int) async throws -> Bool {
        try await pool.withConnection { conn in
            try conn.execute(
                "INSERT INTO housekeeping (name, last_run) VALUES ($1, 'epoch') ON CONFLICT (name) DO NOTHING", [.string(name)])
            return try conn.execute(
                """
                UPDATE housekeeping SET last_run = now()
                WHERE name = $1 AND last_run <= now() - make_interval(secs => $2)
                """, [.string(name), .double(Double(interval) - 0.2)]) == 1
        }
    }

    /// Fails STARTED tasks with no news for `task_invalidation_timeout` (L12464-12470): their worker is
    /// gone without the queue noticing (a lease can only redeliver what is still in Redis). Goes through
    /// the normal result path, so the job's counters, chain and state follow as for any failure. Returns
    /// how many were invalidated.
    func invalidateStaleTasks(olderThan seconds: Int, nodeOnline: Int) async throws -> Int {
        // Only unfinished jobs have STARTED tasks (a cancelled job's leftovers are `cancelLeftoverTasks`'):
        // looking there spares a scan of every task ever run (no index names a task's state, migration 16).
        // Only tasks whose node is gone: a long migrate on a live worker is left alone (L12464: tasks
        // "not actively running"). The task's node is `<node>:<pid>:...`; the node's heartbeat says it lives.
        let rows = try await pool.query(
            """
            SELECT t.task_id, t.attempt, t.job_id, t.input_total, t.node FROM jobs j JOIN tasks t ON t.job_id = j.id
            WHERE j.state NOT IN \(Self.finalJobStates)
              AND t.state = 'STARTED' AND COALESCE(t.started, t.created) < now() - make_interval(secs => $1)
              AND NOT EXISTS (SELECT 1 FROM nodes n JOIN sites s ON s.id = n.site_id
                              WHERE s.name = t.site AND n.name = split_part(COALESCE(t.node, ''), ':', 1)
                                AND n.last_heartbeat > now() - make_interval(secs => $2)
                                -- a worker restarted since the task started does not run it any more
                                AND n.process_started <= COALESCE(t.started, t.created))
            ORDER BY t.id LIMIT 1000
            """, [.double(Double(seconds)), .double(Double(nodeOnline))])
        guard !rows.isEmpty else { return 0 }
        let results = try rows.map { row -> HubMessage in
            let minutes = seconds / 60
            return .result(
                TaskResult(
                    taskID: try row.decode(String.self, "task_id"), attempt: try row.decode(Int.self, "attempt"),
                    jobID: Int(try row.decode(Int64.self, "job_id")), paths: [],
                    // The input is not echoed: the engine reads it back where it needs it (ResultApplier).
                    status: TaskStatus(task: "", inputPaths: [], inputTotal: try row.decode(Int.self, "input_total"), started: Date()),
                    error: "\(Self.invalidationPrefix) STARTED without news for more than task_invalidation_timeout (\(minutes) min)",
                    node: try row.decode(String?.self, "node")))
        }
        try await apply(results)
        return results.count
    }

    /// Tasks invalidated in the last 24 hours, by site (for the alert). Older records are dropped.
    func invalidatedTasksBySite() async throws -> [String: Int] {
        try await pool.withConnection { conn in
            try conn.execute("DELETE FROM task_invalidations WHERE at <= now() - interval '24 hours'")
            var counts: [String: Int] = [:]
            for row in try conn.query("SELECT site, count(*) AS n FROM task_invalidations GROUP BY site") {
                counts[try row.decode(String.self, "site")] = try row.decode(Int.self, "n")
            }
            return counts
        }
    }

    /// Tasks left PENDING or STARTED in jobs that are already CANCELLED (an unexpected exit half-way
    /// through a cancel, L12472-12476) are cancelled too. The job's counters were closed with the job.
    /// End-of-job tasks are left alone: they release snapdiff locks and must run.
    func cancelLeftoverTasks() async throws -> Int {
        try await pool.execute(
            """
            UPDATE tasks t SET state = 'CANCELLED', finished = now(), dispatched = true
            FROM jobs j WHERE j.id = t.job_id AND j.state = 'CANCELLED' AND t.state IN ('PENDING', 'STARTED')
              AND NOT (t.name = ANY($1::text[]))
            """, [.array(Dispatcher.finalizerTasks)])
    }

    /// Removes finished jobs completed more than `days` ago (jobs_ttl, L12530-12536), in small batches.
    func expireJobs(olderThanDays days: Int) async throws -> Int {
        guard days > 0 else { return 0 }
        // The API allows up to 2^31-1 days; PostgreSQL's timestamps do not reach that far back.
        let days = min(days, 36_500)
        var total = 0
        while true {
            let removed = try await pool.execute(
                """
                DELETE FROM jobs WHERE id IN (
                    SELECT id FROM jobs
                    WHERE state IN \(Self.finalJobStates)
                      AND COALESCE(completed, modified) < now() - make_interval(days => $1::int)
                    LIMIT 500)
                """, [.int(days)])
            total += removed
            if removed < 500 { return total }
        }
    }
}
