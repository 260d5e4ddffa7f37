import Foundation
import Postgres

/// Who started a job: a user through the API, or the hub for one occurrence of a schedule or a policy.
enum JobOrigin: Sendable {
    case user
    case schedule(id: Int64, name: String, due: Date, workflowID: Int64)
    case policy(id: Int64, name: String, due: Date, friendlyName: String)
    /// A further run a policy adds to the job its occurrence started (the pre-migrate selection).
    case policyFollowUp(id: Int64)

    var isAutomated: Bool {
        if case .user = self { return false }
        return true
    }

    var scheduleID: Int64? {
        if case .schedule(let id, _, _, _) = self { return id }
        return nil
    }

    /// Shown as the job's owner (manual L2498: a scheduled job's creator is its schedule's name).
    var scheduleName: String? {
        switch self {
        case .user, .policyFollowUp: nil
        case .schedule(_, let name, _, _), .policy(_, let name, _, _): name
        }
    }

    var policyID: Int64? {
        switch self {
        case .policy(let id, _, _, _), .policyFollowUp(let id): id
        default: nil
        }
    }

    var friendlyName: String? {
        if case .policy(_, _, _, let friendly) = self { return friendly }
        return nil
    }

    /// Records the occurrence in the job's transaction; throws `AlreadyFired` when another replica (or an
    /// earlier attempt) already started it, which rolls the job back.
    func recordRun(job: Int64, on conn: PostgresConnection) throws {
        let inserted: Int
        switch self {
        case .user, .policyFollowUp:
            return
        case .schedule(let id, _, let due, let workflow):
            inserted = try conn.execute(
                "INSERT INTO schedule_runs (schedule_id, workflow_id, due, job_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                [.int64(id), .int64(workflow), .date(due), .int64(job)])
        case .policy(let id, _, let due, _):
            inserted = try conn.execute(
                "INSERT INTO policy_runs (policy_id, due) VALUES ($1, $2) ON CONFLICT DO NOTHING", [.int64(id), .date(due)])
        }
        if inserted == 0 { throw AlreadyFired() }
    }

    struct AlreadyFired: Error {}
}
