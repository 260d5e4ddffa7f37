import Foundation

/// What the hub knows of one worker node, from its latest heartbeat.
public struct NodeStatus: Sendable, Equatable {
    public var name: String
    public var site: String
    public var lastHeartbeat: Date
    /// Seconds after `lastHeartbeat` at which the node counts as offline.
    public var ttl: Int
    public var softwareVersion: String
    /// Queue names the node consumes (with at least one function enabled).
    public var queues: [String]

    public init(name: String, site: String, lastHeartbeat: Date, ttl: Int, softwareVersion: String, queues: [String]) {
        self.name = name
        self.site = site
        self.lastHeartbeat = lastHeartbeat
        self.ttl = ttl
        self.softwareVersion = softwareVersion
        self.queues = queues
    }

    /// Online while its last heartbeat is younger than its ttl.
    public func isOnline(at now: Date) -> Bool {
        now.timeIntervalSince(lastHeartbeat) <= Double(ttl)
    }
}
