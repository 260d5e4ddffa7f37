import Foundation

/// An alert the hub should have open now. Alerts are conditions: the hub evaluates them every round and
/// opens, refreshes or clears stored alerts to match (so an alert clears by itself when its cause goes).
public struct DesiredAlert: Sendable, Hashable {
    public enum Severity: String, Sendable {
        case info = "INFO", warning = "WARNING", critical = "CRITICAL"
    }

    public var name: String
    public var site: String?
    public var node: String?
    public var queue: String?
    /// Distinguishes alerts of one kind on one site (a pool), not shown by the API.
    public var subject: String?
    public var severity: Severity
    public var summary: String

    public init(name: String, site: String?, node: String? = nil, queue: String? = nil, subject: String? = nil, severity: Severity, summary: String) {
        self.name = name
        self.site = site
        self.node = node
        self.queue = queue
        self.subject = subject
        self.severity = severity
        self.summary = summary
    }

    /// The identity of an open alert: one per (name, site, node, queue, subject).
    public var key: String { [name, site ?? "", node ?? "", queue ?? "", subject ?? ""].joined(separator: "\u{1F}") }
}

/// The rules that turn facts into alerts (names as the manual's: WorkerHealth, SiteHealth; L26151-26273).
public enum AlertRules {
    public struct Pool: Sendable {
        public var site: String
        public var filesystem: String
        public var name: String
        public var utilisation: Double

        public init(site: String, filesystem: String, name: String, utilisation: Double) {
            self.site = site
            self.filesystem = filesystem
            self.name = name
            self.utilisation = utilisation
        }
    }

    public struct Facts: Sendable {
        public var health: HealthReport
        public var pools: [Pool]
        /// Percent above which a pool raises an alert (critical at `poolCritical`).
        public var poolWarning: Double
        public var poolCritical: Double
        /// Tasks invalidated by housekeeping in the last day, by site.
        public var invalidatedTasks: [String: Int]

        public init(health: HealthReport, pools: [Pool], poolWarning: Double, poolCritical: Double, invalidatedTasks: [String: Int]) {
            self.health = health
            self.pools = pools
            self.poolWarning = poolWarning
            self.poolCritical = poolCritical
            self.invalidatedTasks = invalidatedTasks
        }
    }

    public static func evaluate(_ facts: Facts) -> [DesiredAlert] {
        var alerts: [DesiredAlert] = []
        for site in facts.health.siteStatus {
            if site.nodes.isEmpty {
                // The manual's own example (L26175): a site without nodes is INFO, not a failure.
                alerts.append(DesiredAlert(name: "SiteHealth", site: site.site, severity: .info, summary: "No workers are joined"))
                continue
            }
            let offline = site.nodes.filter { !$0.online }
            if offline.count == site.nodes.count {
                alerts.append(
                    DesiredAlert(
                        name: "SiteHealth", site: site.site, severity: .critical,
                        summary: "All \(site.nodes.count) worker(s) of the site are offline"))
            }
            for node in offline {
                alerts.append(
                    DesiredAlert(
                        name: "WorkerHealth", site: site.site, node: node.name, severity: .warning,
                        summary: "Worker \(node.name) is offline: no heartbeat since \(ISO8601DateFormatter().string(from: node.lastHeartbeat))"))
            }
            // A queue nobody consumes any more while the site still has live workers: its tasks wait.
            if offline.count < site.nodes.count {
                for queue in site.queues where !queue.online {
                    alerts.append(
                        DesiredAlert(
                            name: "QueueHealth", site: site.site, queue: queue.name, severity: .warning,
                            summary: "Queue \(queue.name) has no online consumers"))
                }
            }
        }
        for pool in facts.pools where pool.utilisation >= facts.poolWarning {
            let critical = pool.utilisation >= facts.poolCritical
            alerts.append(
                DesiredAlert(
                    name: "StoragePoolUtilisation", site: pool.site, subject: "\(pool.filesystem)/\(pool.name)",
                    severity: critical ? .critical : .warning,
                    summary: "Storage pool \(pool.name) of \(pool.filesystem) is \(String(format: "%.1f", pool.utilisation))% full"
                        + " (threshold \(String(format: "%g", critical ? facts.poolCritical : facts.poolWarning))%)"))
        }
        for (site, count) in facts.invalidatedTasks.sorted(by: { $0.key < $1.key }) where count > 0 {
            alerts.append(
                DesiredAlert(
                    name: "TaskInvalidated", site: site, severity: .warning,
                    summary: "\(count) task(s) were invalidated in the last 24 hours: STARTED without news past task_invalidation_timeout"))
        }
        return alerts
    }
}
