import Foundation
import HubCore
import Logging
import Postgres
import ServiceLifecycle
import Shared

/// The hub's periodic duties (spec/03 section 14), each at its own interval and run by one replica per
/// interval (`claimDuty`): alerts, site inventory refresh, invalidation of stale tasks, clean-up of
/// cancelled jobs' tasks, and expiry of old jobs. Thresholds come from `/api/configurations/`, read each
/// round, so a change applies without a restart.
struct HousekeepingService: Service, CustomStringConvertible {
    var description: String { "HousekeepingService" }

    struct Intervals: Sendable {
        /// Seconds between alert evaluations (the manual re-evaluates every minute, L26151-26273).
        var alerts = 60
        /// Seconds between inventory refreshes of every site (load_storagepools: 30 min, L12450).
        var inventory = 1800
        /// Seconds between the task and job clean-ups (hourly in the manual).
        var cleanup = 3600
        /// Pool utilisation (percent) that raises a warning, and a critical alert.
        /// Seconds without a heartbeat after which a removed queue is forgotten (REMOVED_QUEUE_CLEANUP, 1 day).
        var removedQueueExpiry = 86_400
        var poolWarning = 90.0
        var poolCritical = 98.0
    }

    let engine: WorkflowEngine
    let health: HealthController
    let intervals: Intervals
    /// How often the loop wakes to see whether a duty is due.
    var tick: Duration = .seconds(1)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await round()
            try? await Task.sleep(for: tick)
        }
    }

    private func round() async {
        let configuration: GlobalConfiguration
        do {
            configuration = try await ConfigurationStore(pool: engine.pool).load()
        } catch {
            engine.logger.warning("housekeeping: cannot read the configuration: \(error)")
            return
        }
        await duty("cleanup", every: intervals.cleanup) {
            let invalidated = try await engine.invalidateStaleTasks(
                olderThan: configuration.taskInvalidationSeconds, nodeOnline: configuration.nodeOnlineSeconds)
            let cancelled = try await engine.cancelLeftoverTasks()
            let expired = try await engine.expireJobs(olderThanDays: configuration.jobsTTLDays)
            _ = try await QueueStore(pool: engine.pool).expireRemoved(after: intervals.removedQueueExpiry)
            if invalidated + cancelled + expired > 0 {
                engine.logger.info("housekeeping: \(invalidated) stale tasks invalidated, \(cancelled) leftover tasks cancelled, \(expired) old jobs removed")
            }
        }
        await duty("inventory", every: intervals.inventory) { try await refreshInventories() }
        await duty("alerts", every: intervals.alerts) { try await evaluateAlerts() }
    }

    private func duty(_ name: String, every interval: Int, _ body: () async throws -> Void) async {
        do {
            guard try await engine.claimDuty(name, every: interval) else { return }
            try await body()
        } catch {
            engine.logger.warning("housekeeping \(name) failed: \(error)")
        }
    }

    /// Asks every site with a node for its inventory, unless the previous request is still open (a site
    /// that does not answer is not flooded; its stale `inventory_at` shows it). A site's requests (48 a
    /// day at the default interval, until `jobs_ttl` removes their jobs) are found by `tasks_system` and
    /// their states read from the rows.
    private func refreshInventories() async throws {
        let sites = try await engine.pool.query(
            """
            SELECT s.name FROM sites s
            WHERE EXISTS (SELECT 1 FROM nodes n WHERE n.site_id = s.id)
              AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.kind = 'system' AND t.site = s.name AND t.name = $1
                                AND t.state IN ('PENDING', 'STARTED'))
            """, [.string(SystemTaskOutcome.inventory)]
        ).decodeColumn(String.self, "name")
        for site in sites {
            _ = try await engine.submit(.init(name: SystemTaskOutcome.inventory, site: site, friendlyName: "Refreshing site '\(site)'"))
        }
    }

    private func evaluateAlerts() async throws {
        let report = try await health.report()
        // Without the database the report knows no sites: clearing every alert would be wrong.
        guard report.hubStatus.database == "ok" else { return }
        let pools = try await engine.pool.query(
            "SELECT s.name AS site, p.filesystem, p.name, p.used_space, p.capacity FROM storagepools p JOIN sites s ON s.id = p.site_id"
        ).map { row in
            AlertRules.Pool(
                site: try row.decode(String.self, "site"), filesystem: try row.decode(String.self, "filesystem"),
                name: try row.decode(String.self, "name"),
                utilisation: SiteInventory.utilisation(used: try row.decode(Int64.self, "used_space"), capacity: try row.decode(Int64.self, "capacity")))
        }
        let invalidated = try await engine.invalidatedTasksBySite()
        let desired = AlertRules.evaluate(
            .init(health: report, pools: pools, poolWarning: intervals.poolWarning, poolCritical: intervals.poolCritical, invalidatedTasks: invalidated))
        try await engine.pool.transaction { conn in try AlertStore.sync(desired, on: conn) }
    }
}
