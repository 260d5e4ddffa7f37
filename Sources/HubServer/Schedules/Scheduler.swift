import Foundation
import HubCore
import Logging
import Postgres
import Shared

/// Fires schedules: every tick it finds each enabled schedule's latest occurrence not yet fired and
/// starts one job per schedule workflow. Once per occurrence, whatever the number of replicas: the
/// `schedule_runs` row commits with the job (`JobOrigin.recordRun`). After downtime only the latest
/// missed occurrence runs (`ScheduleCalculator.dueOccurrence`), and with `schedules_enabled` off nothing
/// starts and nothing is owed when it comes back on.
struct Scheduler: Sendable {
    let engine: WorkflowEngine
    var logger: Logger { engine.logger }

    struct Due: Sendable {
        var id: Int64
        var name: String
        var due: Date
        var paths: [String]
        var discovery: String?
        var discoveryOptions: JSONValue?
        var overlap: String

        /// The occurrence `due` of the schedule in `row` (`ScheduleStore.select`).
        init(row: PostgresRow, due: Date) throws {
            id = try row.decode(Int64.self, "id")
            name = try row.decode(String.self, "name")
            self.due = due
            paths = try WireCoding.decode([String].self, from: Array(try row.decode(String.self, "paths_json").utf8))
            discovery = try row.decode(String?.self, "discovery")
            discoveryOptions = try row.decode(String?.self, "options_json").flatMap { try? WireCoding.decode(JSONValue.self, from: Array($0.utf8)) }
            overlap = try row.decode(String.self, "overlap")
        }
    }

    func tick(now: Date = Date()) async throws {
        let configuration = try await ConfigurationStore(pool: engine.pool).load()
        guard configuration.schedulesEnabled else {
            // Nothing is owed for the time the switch was off.
            // At most one write per schedule every 30 s while the switch is off.
            for table in ["schedules", "policies"] {
                _ = try await engine.pool.execute(
                    "UPDATE \(table) SET last_due = $1 WHERE enabled AND (last_due IS NULL OR last_due < $1 - interval '30 seconds')",
                    [.date(now)])
            }
            return
        }
        for due in try await dueSchedules(now: now) { _ = try? await fire(due) }
        try await tickPolicies(now: now)
    }

    /// Enabled schedules with an occurrence due now.
    func dueSchedules(now: Date) async throws -> [Due] {
        let rows = try await engine.pool.query(ScheduleStore.select + " WHERE sc.enabled")
        var result: [Due] = []
        for row in rows {
            let id = try row.decode(Int64.self, "id")
            do {
                let calculator = try Self.calculator(row)
                let lastDue = try row.decode(Date?.self, "last_due")
                let created = try row.decode(Date.self, "created")
                var due = calculator.dueOccurrence(
                    lastFired: lastDue, notBefore: try row.decode(Date?.self, "start_date_time") ?? created, now: now)
                // `first_occur`: the first run happens at once rather than at the first occurrence (L21092).
                if lastDue == nil, try row.decode(Bool.self, "first_occur") { due = max(created, due ?? created) }
                guard let due else { continue }
                result.append(
                    try Due(row: row, due: due))
            } catch {
                logger.warning("schedule \(id): cannot compute its next run: \(error)")
            }
        }
        return result
    }

    /// The schedule's calculator in its own time zone, else its site's (L153).
    static func calculator(_ row: PostgresRow) throws -> ScheduleCalculator {
        let spec = try CronSpec(
            minute: try row.decode(String.self, "minute"), hour: try row.decode(String.self, "hour"),
            dayOfWeek: try row.decode(String.self, "day_of_week"), dayOfMonth: try row.decode(String.self, "day_of_month"),
            monthOfYear: try row.decode(String.self, "month_of_year"))
        let zone = try row.decode(String?.self, "timezone") ?? row.decode(String.self, "site_timezone")
        return try ScheduleCalculator(spec: spec, timeZoneIdentifier: zone)
    }

    /// Starts the occurrence's jobs, then moves `last_due` on. Returns the jobs started.
    /// `manual`: a run asked for through the API; it neither consumes the cron occurrence (`last_due`) nor
    /// hides why nothing started.
    @discardableResult
    func fire(_ due: Due, manual: Bool = false) async throws -> [Int64] {
        var problems: [String] = []
        var jobs: [Int64] = []
        do {
            let workflows = try await engine.pool.query(
                "SELECT id, workflow, site, queue, fields::text AS fields FROM schedule_workflows WHERE schedule_id = $1 ORDER BY id",
                [.int64(due.id)])
            for row in workflows {
                let workflowID = try row.decode(Int64.self, "id")
                let workflow = try row.decode(String.self, "workflow")
                // A bidirectional sync never overlaps itself (L10825); others follow the schedule's setting.
                if due.overlap == "skip" || workflow.contains("bidirectional"),
                    let running = try await engine.pool.query(
                        """
                        SELECT id FROM jobs WHERE schedule_id = $1 AND workflow_name = $2
                          AND state NOT IN ('SUCCESS', 'FAILURE', 'ERROR', 'CANCELLED', 'SKIPPED') LIMIT 1
                        """, [.int64(due.id), .string(workflow)]
                    ).decodeColumn(Int64.self, "id").first
                {
                    try await record(due, workflowID: workflowID, skipped: "job \(running) of the previous run is still running")
                    continue
                }
                var body: [String: JSONValue] = [
                    "workflow": .string(workflow), "site": .string(try row.decode(String.self, "site")),
                    "queue": .string(try row.decode(String.self, "queue")), "paths": .array(due.paths.map(JSONValue.string)),
                    "fields": try WireCoding.decode(JSONValue.self, from: Array(try row.decode(String.self, "fields").utf8)),
                ]
                if let discovery = due.discovery { body["discovery"] = .string(discovery) }
                if let options = due.discoveryOptions { body["discovery_options"] = options }
                do {
                    let job = try await engine.submit(
                        body, owner: nil, origin: .schedule(id: due.id, name: due.name, due: due.due, workflowID: workflowID))
                    jobs.append(job)
                    logger.info("schedule \(due.id) '\(due.name)': job \(job) for the run due \(APIDate.format(due.due))")
                } catch is JobOrigin.AlreadyFired {
                    continue  // another replica started it
                } catch let error as APIError {
                    // The submission itself is invalid (a workflow deleted, a site gone): recorded, so that a
                    // schedule that cannot run does not retry every second. Other errors are retried.
                    logger.warning("schedule \(due.id) '\(due.name)': \(workflow) could not start: \(error)")
                    problems.append("\(workflow): \(error)")
                    if !manual { try await record(due, workflowID: workflowID, skipped: "could not start: \(error)") }
                }
            }
            if !manual {
                _ = try await engine.pool.execute(
                    "UPDATE schedules SET last_due = GREATEST(COALESCE(last_due, $2), $2) WHERE id = $1", [.int64(due.id), .date(due.due)])
            }
        } catch {
            if manual { throw error }
            logger.warning("schedule \(due.id) '\(due.name)': firing failed (retried next tick): \(error)")
        }
        if manual, jobs.isEmpty, !problems.isEmpty { throw APIError.badRequest("Nothing started: \(problems.joined(separator: "; "))") }
        return jobs
    }

    private func record(_ due: Due, workflowID: Int64, skipped reason: String) async throws {
        _ = try await engine.pool.execute(
            "INSERT INTO schedule_runs (schedule_id, workflow_id, due, skipped) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            [.int64(due.id), .int64(workflowID), .date(due.due), .string(reason)])
    }
}
