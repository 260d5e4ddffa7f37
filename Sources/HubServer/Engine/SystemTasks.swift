import Foundation
import HubCore
import Postgres
import Shared

/// Jobs the hub starts on a site for itself: reading what the site has (`site_inventory`), reading and
/// pushing settings (`get_config_for_keys`, `set_config_and_apply`). Each is a system job with one task on
/// the site's default queue, `settings` function (only the default queue runs settings tasks, L25937-25958),
/// so it gets the engine's outbox, fencing and exactly-once result like any step. `SystemTaskOutcome`
/// stores the answer in the same transaction as the result.
extension WorkflowEngine {
    struct SystemTask: Sendable {
        /// The task's name on the wire, e.g. `dynamo.tasks.site_inventory`.
        var name: String
        var site: String
        var kwargs: [String: JSONValue] = [:]
        var friendlyName: String
        /// Shown by `/api/settingstasks/` (manual L24557-24579).
        var settingsJob = false
        var owner: Int64? = nil
    }

    /// Creates the job and its task, sends it, and returns (job id, task UUID).
    func submit(_ system: SystemTask) async throws -> (job: Int64, task: String) {
        let queue = try QueueName(site: system.site, queue: "default", function: .settings)
        let short = system.name.split(separator: ".").last.map(String.init) ?? system.name
        let (jobID, outbox, taskUUID) = try await pool.transaction { conn -> (Int64, OutboxBatch?, String) in
            let jobID = try conn.query(
                """
                INSERT INTO jobs (workflow_name, site, queue, owner_id, system, is_settings_job, paths, request, friendly_name)
                VALUES ($1, $2, 'default', $3, true, $4, '[]', $5, $6) RETURNING id
                """,
                [
                    .string(short), .string(system.site), system.owner.map { .int64($0) }, .bool(system.settingsJob),
                    try .json(encoding: JSONValue.object(["task": .string(system.name), "site": .string(system.site)])),
                    .string(system.friendlyName),
                ]
            ).decodeColumn(Int64.self, "id").first ?? 0
            let runID = try conn.query(
                "INSERT INTO job_runs (job_id, workflow_name, site, resolved) VALUES ($1, $2, $3, '{}') RETURNING id",
                [.int64(jobID), .string(short), .string(system.site)]
            ).decodeColumn(Int64.self, "id").first ?? 0
            let task = NewTask(
                jobID: jobID, runID: runID, name: system.name, kind: .system, queue: queue, kwargs: system.kwargs, input: [])
            let batch = try NewTask.insertForSending([task], on: conn).batch
            var delta = JobSettlement.Delta()
            delta.created = 1
            delta.opened = 1
            _ = try JobSettlement.apply(delta, job: jobID, on: conn)
            return (jobID, batch, task.taskID)
        }
        await dispatch(outbox.map { [$0] } ?? [])
        return (jobID, taskUUID)
    }
}
