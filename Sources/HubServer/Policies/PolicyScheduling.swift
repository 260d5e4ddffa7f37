import Foundation
import HubCore
import Logging
import Postgres
import Shared

/// Policies fire on their own schedule, and when a trigger's pool is above its upper threshold
/// (issue 7). Both go through `PolicyRunner`; `policy_runs` makes each occurrence (or each pool
/// measurement) start once across replicas.
extension Scheduler {
    func tickPolicies(now: Date) async throws {
        let rows = try await engine.pool.query(PolicyStore.select + " WHERE p.enabled")
        let runner = PolicyRunner(engine: engine)
        for raw in rows {
            let id = try raw.decode(Int64.self, "id")
            do {
                let policy = try PolicyStore.row(raw)
                if let due = try scheduledDue(policy, now: now) {
                    try await fire(policy, due: due, runner: runner, reason: "schedule")
                } else if let measured = try await poolAboveThreshold(policy) {
                    try await fire(policy, due: measured, runner: runner, reason: "pool above its upper threshold")
                }
            } catch {
                logger.warning("policy \(id): \(error)")
            }
        }
    }

    /// The policy's latest occurrence not yet fired, in the schedule's time zone.
    private func scheduledDue(_ policy: PolicyStore.Row, now: Date) throws -> Date? {
        guard let schedule = policy.definition.schedule else { return nil }
        let spec = try CronSpec(
            minute: schedule.minute, hour: schedule.hour, dayOfWeek: schedule.dayOfWeek, dayOfMonth: schedule.dayOfMonth,
            monthOfYear: schedule.monthOfYear)
        let calculator = try ScheduleCalculator(spec: spec, timeZoneIdentifier: schedule.timezone)
        let start = schedule.startDateTime.flatMap(WireCoding.parseDate) ?? policy.created
        return calculator.dueOccurrence(lastFired: policy.lastDue, notBefore: start, now: now)
    }

    /// When a trigger's pool is above its upper threshold and no run of the policy is going: the time of
    /// the measurement (the site's last inventory), so that one measurement starts one run.
    private func poolAboveThreshold(_ policy: PolicyStore.Row) async throws -> Date? {
        let triggers = policy.definition.triggers.filter { $0.upperThreshold.map { $0 > 0 } == true }
        guard !triggers.isEmpty else { return nil }
        let running = try await engine.pool.query(
            "SELECT 1 FROM jobs WHERE policy_id = $1 AND state NOT IN ('SUCCESS', 'FAILURE', 'ERROR', 'CANCELLED', 'SKIPPED') LIMIT 1",
            [.int64(policy.id)])
        guard running.isEmpty else { return nil }
        for trigger in triggers {
            guard let upper = trigger.upperThreshold,
                let row = try await engine.pool.query(
                    """
                    SELECT p.used_space, p.capacity, s.inventory_at FROM storagepools p JOIN sites s ON s.id = p.site_id
                    WHERE p.site_id = $1 AND p.filesystem = $2 AND p.name = $3
                    """, [.int(policy.definition.site), .string(policy.definition.filesystem), .string(trigger.poolName)]
                ).first,
                let measured = try row.decode(Date?.self, "inventory_at")
            else { continue }
            let used = SiteInventory.utilisation(used: try row.decode(Int64.self, "used_space"), capacity: try row.decode(Int64.self, "capacity"))
            if used > upper, measured > (policy.lastDue ?? .distantPast) { return measured }
        }
        return nil
    }

    private func fire(_ policy: PolicyStore.Row, due: Date, runner: PolicyRunner, reason: String) async throws {
        do {
            let started = try await runner.run(policy, due: due)
            if started.job == nil {
                _ = try await engine.pool.execute(
                    "INSERT INTO policy_runs (policy_id, due, skipped) VALUES ($1, $2, 'nothing to move') ON CONFLICT DO NOTHING",
                    [.int64(policy.id), .date(due)])
            } else {
                logger.info("policy \(policy.id) '\(policy.definition.name)' (\(reason)): job \(started.job ?? 0)")
            }
        } catch is JobOrigin.AlreadyFired {
            // another replica started it
        } catch let error as APIError {
            // Invalid now (the policy no longer fits its site...): recorded, not retried every second.
            _ = try? await engine.pool.execute(
                "INSERT INTO policy_runs (policy_id, due, skipped) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                [.int64(policy.id), .date(due), .string("could not start: \(error)")])
            logger.warning("policy \(policy.id) '\(policy.definition.name)': could not run: \(error)")
        }
        _ = try await engine.pool.execute(
            "UPDATE policies SET last_due = GREATEST(COALESCE(last_due, $2), $2) WHERE id = $1", [.int64(policy.id), .date(due)])
    }
}
