import Shared

/// A site's own include/exclude patterns (site settings `include`/`exclude`, L11332-11333), appended
/// to every rule's patterns unless the rule or the submission ignores them (L10769-10773).
public struct SitePatterns: Sendable, Hashable, Codable {
    public var include: [String]
    public var exclude: [String]

    public init(include: [String] = [], exclude: [String] = []) {
        self.include = include
        self.exclude = exclude
    }
}

/// What resolution needs to know about the hub outside the workflow: sites, their queues, their patterns.
public struct SubmissionContext: Sendable {
    /// Names of the sites the hub defines.
    public var sites: Set<String>
    /// Known queues per site. A site missing here means its queues are not known yet (no worker has
    /// reported): any queue is accepted, since a task on a queue nobody serves just waits (L10046).
    public var queuesBySite: [String: Set<String>]
    /// Site patterns by site name; only the submission (source) site's count (L10775).
    public var sitePatterns: [String: SitePatterns]
    /// Whether the submission comes from a schedule: `schedule_only` workflows accept nothing else (L25224).
    public var fromSchedule: Bool
    /// Whether the hub submits it for a policy run: only then may the `policy` discovery run, since its
    /// options carry a GPFS policy file, which can name programs for mmapplypolicy to execute.
    public var fromPolicy = false

    public init(
        sites: Set<String>, queuesBySite: [String: Set<String>] = [:], sitePatterns: [String: SitePatterns] = [:],
        fromSchedule: Bool = false
    ) {
        self.sites = sites
        self.queuesBySite = queuesBySite
        self.sitePatterns = sitePatterns
        self.fromSchedule = fromSchedule
    }

    /// Whether `queue` may be used on `site`: yes when the site's queues are unknown.
    public func accepts(queue: String, on site: String) -> Bool {
        queuesBySite[site]?.contains(queue) ?? true
    }
}
