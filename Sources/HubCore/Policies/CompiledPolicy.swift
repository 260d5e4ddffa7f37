import Shared

/// A policy turned into a GPFS policy file and what a run needs besides it.
public struct CompiledPolicy: Sendable, Hashable {
    /// The discovery task that runs it on a node of the policy's site.
    public static let scanTask = "dynamo.tasks.policy_scan"

    /// One step down the hierarchy: a MIGRATE rule.
    public struct Hop: Sendable, Hashable {
        public var rule: String
        public var fromPool: String
        public var toPool: String
        /// True when `toPool` is the external pool standing for the Ngenea target.
        public var toNgenea: Bool
        /// `THRESHOLD(high, low[, premigrate])`, nil when the hop ignores utilisation.
        public var threshold: Threshold?
        /// `LIMIT(n)` on an internal destination pool.
        public var limit: Double?

        public init(rule: String, fromPool: String, toPool: String, toNgenea: Bool, threshold: Threshold?, limit: Double?) {
            self.rule = rule
            self.fromPool = fromPool
            self.toPool = toPool
            self.toNgenea = toNgenea
            self.threshold = threshold
            self.limit = limit
        }
    }

    public struct Threshold: Sendable, Hashable {
        public var high: Double
        public var low: Double
        public var premigrate: Double?

        public init(high: Double, low: Double, premigrate: Double? = nil) {
            self.high = high
            self.low = low
            self.premigrate = premigrate
        }
    }

    /// The policy file for `mmapplypolicy -P`.
    public var text: String
    public var hops: [Hop]
    /// The external pool's name (`ngenea`) when a hop goes to the Ngenea target.
    public var externalPool: String?
    /// The spaces' directories: sorted, without duplicates or directories inside others.
    public var directories: [String]
    public var threads: Int
    /// Why the policy does less than its fields might suggest (e.g. no destination pool).
    public var notes: [String]

    /// A policy without a hop moves nothing: the hub completes its run without dispatching a scan.
    public var isEmpty: Bool { hops.isEmpty }

    /// The kwargs of `dynamo.tasks.policy_scan` (docs/tasks.md).
    public var scanKwargs: [String: JSONValue] {
        [
            "policy": .string(text),
            "directories": .array(directories.map(JSONValue.string)),
            "threads": .int(Int64(threads)),
        ]
    }
}
