import Foundation
import HubCore
import Logging
import Postgres
import RedisQueue
import Shared

/// Pause, resume, cancel and resubmit (manual L14427-14505, states of L12580-12592).
///
/// Pause and cancel take the job's undelivered entries off the queues (a delivered task runs to its end);
/// a paused job's waiting tasks stay PENDING in PostgreSQL, unsent, until resume.
extension WorkflowEngine {
    enum Control: String, Sendable {
        case pause, resume, cancel
    }

    /// Applies a control and returns the job's state afterwards.
    /// - Throws: `APIError` 404 for an unknown job, 400 when the job's state does not allow it.
    func control(_ control: Control, job: Int64) async throws -> JobState {
        let transition = try await pool.transaction { conn -> (state: JobState, entries: [String: [String]]) in
            guard
                let text = try conn.query("SELECT state FROM jobs WHERE id = $1 FOR UPDATE", [.int64(job)])
                    .decodeColumn(String.self, "state").first
            else { throw APIError.notFound("Job") }
            let current = JobState(rawValue: text) ?? .unknown
            let result: Result<JobState, JobControlError>
            switch control {
            case .pause: result = JobStateMachine.pause(current)
            case .resume: result = JobStateMachine.resume(current)
            case .cancel: result = JobStateMachine.cancel(current)
            }
            let next: JobState
            switch result {
            case .success(let state): next = state
            case .failure(let error): throw APIError.badRequest(error.message)
            }
            try conn.execute("UPDATE jobs SET state = $2, modified = now() WHERE id = $1", [.int64(job), .string(next.rawValue)])
            var entries: [String: [String]] = [:]
            if control != .resume {
                // Sent but perhaps not yet delivered: try to take them back (after the commit).
                for row in try conn.query(
                    """
                    SELECT queue, entry_id FROM tasks
                    WHERE job_id = $1 AND state = 'PENDING' AND dispatched AND entry_id IS NOT NULL
                    """, [.int64(job)])
                {
                    entries[try row.decode(String.self, "queue"), default: []].append(try row.decode(String.self, "entry_id"))
                }
            }
            return (next, entries)
        }
        var taken: [String] = []
        for (queue, ids) in transition.entries {
            taken += try await ReliableQueue(name: queue, connection: dispatcher.redis, logger: logger).delete(ids)
        }
        let removed = taken
        let state = try await pool.transaction { conn -> JobState in
            if !removed.isEmpty {
                if control == .cancel {
                    let cancelled = try conn.execute(
                        """
                        UPDATE tasks SET state = 'CANCELLED', finished = now()
                        WHERE job_id = $1 AND state = 'PENDING' AND entry_id = ANY($2::text[])
                        """, [.int64(job), .array(removed)])
                    try conn.execute("UPDATE jobs SET open_tasks = open_tasks - $2 WHERE id = $1", [.int64(job), .int(cancelled)])
                } else {
                    // Paused: back to waiting in PostgreSQL, sent again on resume.
                    try conn.execute(
                        """
                        UPDATE tasks SET dispatched = false, entry_id = NULL, dispatch_claim = NULL
                        WHERE job_id = $1 AND state = 'PENDING' AND entry_id = ANY($2::text[])
                        """, [.int64(job), .array(removed)])
                }
            }
            return try JobSettlement.settle(job: job, on: conn)
        }
        if control == .resume { try await dispatcher.sweep() }
        logger.info("job \(job): \(control.rawValue) -> \(state.rawValue)")
        return state
    }

    /// Resubmits a finished job's submission as a new job owned by `owner` (manual L14481: no effect on a
    /// job that has not finished). Returns the new job's id, or nil when the job is still running.
    func resubmit(job: Int64, owner: Int64?) async throws -> Int64? {
        guard
            let row = try await pool.query("SELECT state, request::text AS request FROM jobs WHERE id = $1", [.int64(job)]).first
        else { throw APIError.notFound("Job") }
        guard let state = JobState(rawValue: try row.decode(String.self, "state")), state.isFinal else { return nil }
        guard case .object(let body) = try WireCoding.decode(JSONValue.self, from: Array(try row.decode(String.self, "request").utf8))
        else { throw APIError.badRequest("Job \(job) has no stored submission to resubmit.") }
        var fresh = body
        fresh.removeValue(forKey: "job")
        return try await submit(fresh, owner: owner)
    }
}
