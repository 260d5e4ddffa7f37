import Foundation

/// The body of `GET /api/health/` (manual L18680-18715): overall health, the hub's own state, and each
/// site's nodes. Built from facts by `HealthReport.derive`, so the rules are testable without I/O.
public struct HealthReport: Sendable, Equatable, Codable {
    public struct HubStatus: Sendable, Equatable, Codable {
        public var health: Health
        /// `ok` or the reason PostgreSQL is unusable.
        public var database: String
        /// `ok` or the reason Redis is unusable.
        public var broker: String
        public var version: String
    }

    public struct NodeReport: Sendable, Equatable, Codable {
        public var name: String
        public var health: Health
        public var online: Bool
        public var hasDefaultQueue: Bool
        public var lastHeartbeat: Date
        public var workerVersion: String

        enum CodingKeys: String, CodingKey {
            case name, health, online
            case hasDefaultQueue = "has_default_queue"
            case lastHeartbeat = "last_heartbeat"
            case workerVersion = "worker_version"
        }
    }

    /// A queue of a site: online while a node consuming it is online (manual L22017-22106).
    public struct QueueReport: Sendable, Equatable, Codable {
        public var name: String
        public var health: Health
        public var online: Bool
        public var lastHeartbeat: Date

        enum CodingKeys: String, CodingKey {
            case name, health, online
            case lastHeartbeat = "last_heartbeat"
        }
    }

    public struct SiteReport: Sendable, Equatable, Codable {
        public var site: String
        public var health: Health
        public var nodes: [NodeReport]
        public var queues: [QueueReport]

        public init(site: String, health: Health, nodes: [NodeReport], queues: [QueueReport]) {
            self.site = site
            self.health = health
            self.nodes = nodes
            self.queues = queues
        }
    }

    public var overallHealth: Health
    public var hubStatus: HubStatus
    public var siteStatus: [SiteReport]

    enum CodingKeys: String, CodingKey {
        case overallHealth = "overall_health"
        case hubStatus = "hub_status"
        case siteStatus = "site_status"
    }

    /// Derives the report.
    ///
    /// - A node is `ok` while online, `critical` once its heartbeats stopped.
    /// - A site is `ok` when all its nodes are online, `warning` when some are offline, `critical` when none
    ///   is online (nothing can run there). A site without any node is `ok`, as the manual shows it (L26275-
    ///   26425); the alerts say "No workers are joined" instead.
    /// - A node is online while its last heartbeat is younger than both its own ttl and `onlineWithin`
    ///   (`node_health_last_heartbeat_interval`, L11268): the tighter bound wins.
    /// - The hub is `critical` when PostgreSQL or Redis is unusable.
    /// - Overall is the worst of all.
    public static func derive(
        sites: [String], nodes: [NodeStatus], databaseError: String?, brokerError: String?, version: String, now: Date,
        onlineWithin: Int? = nil
    ) -> HealthReport {
        let hubHealth: Health = (databaseError == nil && brokerError == nil) ? .ok : .critical
        let hub = HubStatus(
            health: hubHealth, database: databaseError ?? "ok", broker: brokerError ?? "ok", version: version)
        let siteNames = Set(sites).union(nodes.map(\.site)).sorted()
        let reports = siteNames.map { site -> SiteReport in
            let siteNodes = nodes.filter { $0.site == site }.sorted { $0.name < $1.name }
            let nodeReports = siteNodes.map { node -> NodeReport in
                let online = node.isOnline(at: now) && onlineWithin.map { now.timeIntervalSince(node.lastHeartbeat) <= Double($0) } != false
                return NodeReport(
                    name: node.name, health: online ? .ok : .critical, online: online,
                    hasDefaultQueue: node.queues.contains("default"), lastHeartbeat: node.lastHeartbeat,
                    workerVersion: node.softwareVersion)
            }
            let onlineCount = nodeReports.filter(\.online).count
            let health: Health =
                nodeReports.isEmpty ? .ok : onlineCount == 0 ? .critical : (onlineCount == nodeReports.count ? .ok : .warning)
            var queues: [String: QueueReport] = [:]
            for (node, report) in zip(siteNodes, nodeReports) {
                for queue in node.queues {
                    var entry = queues[queue] ?? QueueReport(name: queue, health: .critical, online: false, lastHeartbeat: node.lastHeartbeat)
                    entry.online = entry.online || report.online
                    entry.health = entry.online ? .ok : .critical
                    entry.lastHeartbeat = max(entry.lastHeartbeat, node.lastHeartbeat)
                    queues[queue] = entry
                }
            }
            return SiteReport(site: site, health: health, nodes: nodeReports, queues: queues.values.sorted { $0.name < $1.name })
        }
        let overall = ([hubHealth] + reports.map(\.health)).max() ?? .ok
        return HealthReport(overallHealth: overall, hubStatus: hub, siteStatus: reports)
    }
}
