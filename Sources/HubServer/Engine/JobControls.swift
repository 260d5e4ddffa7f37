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

    /// Applies a control and returns the job's state afterwards. Repeating a pause or cancel that is still
    /// in progress (PAUSING, DEQUEUING) retries taking the job's tasks off the queues.
    /// - Throws: `APIError` 404 for an unknown job, 400 when the job's state does not allow it.
    func control(_ control: Control, job: Int64) async throws -> JobState {
        _ = try await pool.transaction { conn -> JobState in
            guard
                let text = try conn.query("SELECT state FROM jobs WHERE id = $1 FOR UPDATE", [.int64(job)])
                    .decodeColumn(String.self, "state").first
            else { throw APIError.notFound("Job") }
            let current = JobState(rawValue: text) ?? .unknown
            if (control == .pause && current == .pausing) || (control == .cancel && current == .dequeuing) { return current }
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
            return next
        }
        let state: JobState
        if control == .resume {
            state = try await pool.transaction { conn in try JobSettlement.settle(job: job, on: conn) }
            try await sweep()
        } else {
            state = try await retract(job: job)
        }
        logger.info("job \(job): \(control.rawValue) -> \(state.rawValue)")
        return state
    }

    /// Takes a pausing or cancelled job's sent-but-undelivered tasks back off their queues: cancelled when
    /// the job is DEQUEUING, waiting unsent in PostgreSQL when it is PAUSING or PAUSED; then settles the
    /// job. Delivered tasks run to their end. Idempotent, so it is safe to repeat after any failure (the
    /// sweep service does, for jobs that stay PAUSING or DEQUEUING). End-of-job tasks are never taken back.
    @discardableResult
    func retract(job: Int64) async throws -> JobState {
        // The job's queued entries are found by their `job` tag on the queues its sent tasks went to.
        let queues = try await pool.query(
            "SELECT DISTINCT queue FROM tasks WHERE job_id = $1 AND state = 'PENDING' AND dispatched", [.int64(job)]
        ).decodeColumn(String.self, "queue")
        var removed: [String] = []
        for queue in queues {
            removed += try await ReliableQueue(name: queue, connection: dispatcher.redis, logger: logger)
                .deleteUndelivered(tagged: OutgoingTask.jobTag, as: String(job), returning: OutgoingTask.taskTag)
        }
        let removedTasks = removed
        return try await pool.transaction { conn -> JobState in
            let state = try conn.query("SELECT state FROM jobs WHERE id = $1 FOR UPDATE", [.int64(job)])
                .decodeColumn(String.self, "state").first.flatMap(JobState.init(rawValue:)) ?? .unknown
            let taken = "FROM unnest($2::text[]) AS x(task_id) WHERE t.task_id = x.task_id AND t.job_id = $1 AND t.state = 'PENDING'"
            let binds: [PostgresBind?] = [.int64(job), .array(removedTasks)]
            if !removedTasks.isEmpty {
                // A job that ended meanwhile (a task raced its cancel) gets the task cancelled too.
                if state == .dequeuing || state.isFinal {
                    let cancelled = try conn.execute("UPDATE tasks t SET state = 'CANCELLED', finished = now(), dispatched = true \(taken)", binds)
                    // A final job's counters are closed (its open tasks were settled when it ended).
                    if state == .dequeuing {
                        try conn.execute("UPDATE jobs SET open_tasks = open_tasks - $2 WHERE id = $1", [.int64(job), .int(cancelled)])
                    }
                } else {
                    // Back to waiting unsent; resume sends them again. (A job resumed meanwhile gets them from the sweep.)
                    try conn.execute("UPDATE tasks t SET dispatched = false \(taken)", binds)
                }
            }
            return try JobSettlement.settle(job: job, on: conn)
        }
    }

    /// Sends every waiting task of active jobs, then takes back any that reached a job paused or cancelled
    /// while they were being sent.
    func sweep() async throws {
        let inactive = try await dispatcher.sweep()
        for job in inactive { try await retract(job: job) }
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
