/// A policy ("policy-based tiering workflow", manual L20675-20680 and L3364-4007): which data of which
/// spaces on one site moves down a hierarchy of storage pools, or from a pool to the Ngenea target, when,
/// in which order and under which conditions.
///
/// Parsed from the REST body by `PolicyDefinition.parse(_:)`; read-only fields (`id`, `created`, nested
/// `id`s) are the store's business and are not held here.
public struct PolicyDefinition: Sendable, Hashable {
    /// The only type the manual documents ("MIGRATION"; the UI says "Migrate").
    public static let migration = "MIGRATION"
    public static let policyTypes: [String] = [migration]

    public var name: String
    public var policyType: String
    /// A filesystem **name** (`mmfs1`), not an id.
    public var filesystem: String
    public var enabled: Bool
    /// `mmapplypolicy -m`: threads per node.
    public var threads: Int
    /// A site **id**.
    public var site: Int
    /// Space ids, in the order given, without duplicates.
    public var spaces: [Int]
    /// Nil: the policy only runs on demand (`POST /policies/{id}/run/`).
    public var schedule: PolicySchedule?
    /// The pool hierarchy, in order (see `PolicyTrigger`).
    public var triggers: [PolicyTrigger]
    public var order: PolicyOrder?
    public var conditionGroups: [PolicyConditionGroup]
    /// Write-only (POST): run once as soon as it is created.
    public var runImmediately: Bool

    public init(
        name: String, policyType: String = PolicyDefinition.migration, filesystem: String, enabled: Bool = true,
        threads: Int = PolicyDefinition.defaultThreads, site: Int, spaces: [Int], schedule: PolicySchedule? = nil,
        triggers: [PolicyTrigger], order: PolicyOrder? = nil, conditionGroups: [PolicyConditionGroup] = [],
        runImmediately: Bool = false
    ) {
        self.name = name
        self.policyType = policyType
        self.filesystem = filesystem
        self.enabled = enabled
        self.threads = threads
        self.site = site
        self.spaces = spaces
        self.schedule = schedule
        self.triggers = triggers
        self.order = order
        self.conditionGroups = conditionGroups
        self.runImmediately = runImmediately
    }

    /// "Threads Level ... Start small" (L3786-3797): one thread unless asked.
    public static let defaultThreads = 1
    /// Before 2.7.0 policies only ran on mmfs1 (L155), so a body without `filesystem` means it.
    public static let defaultFilesystem = "mmfs1"
}

/// When the policy runs: celery-crontab fields kept as the strings the client wrote (the hub validates
/// them with `CronSpec`), the schedule's time zone, and the site-local start time (L14901-14918).
public struct PolicySchedule: Sendable, Hashable {
    public var timezone: String
    public var minute: String
    public var hour: String
    public var dayOfWeek: String
    public var dayOfMonth: String
    public var monthOfYear: String
    /// `HH:MM[:SS]` on the policy's site, or nil.
    public var time: String?
    public var firstOccur: Bool
    /// Computed by the hub from `time`, `timezone` and `first_occur`; kept as given.
    public var startDateTime: String?

    public init(
        timezone: String = "UTC", minute: String = "*", hour: String = "*", dayOfWeek: String = "*",
        dayOfMonth: String = "*", monthOfYear: String = "*", time: String? = nil, firstOccur: Bool = false,
        startDateTime: String? = nil
    ) {
        self.timezone = timezone
        self.minute = minute
        self.hour = hour
        self.dayOfWeek = dayOfWeek
        self.dayOfMonth = dayOfMonth
        self.monthOfYear = monthOfYear
        self.time = time
        self.firstOccur = firstOccur
        self.startDateTime = startDateTime
    }
}

/// One storage pool of the hierarchy ("Storage pool 1 -> Storage pool 2 -> ...", L3486-3618).
///
/// Reading of the manual (it is loose here): every trigger names a pool of the site. Data of trigger
/// `i` moves to the pool of trigger `i + 1`. A trigger with `is_cloud` moves its pool's data to the Ngenea
/// target instead ("Pool to Ngenea"); the POST example, one trigger `sas1` with `is_cloud` and zero
/// thresholds, "triggers the policy for the cloud-based pool sas1 regardless of utilization" (L20900).
/// The UI's Ngenea watermarks are `upper_threshold` (start when the pool is above it), `lower_threshold`
/// (migrate until it falls to it) and `premigrate_threshold` (pre-migrate further, down to it); zero or
/// null means "regardless of utilisation". `max_utilisation` is a pool's "Maximum utilisation %": as a
/// source, data over it is tiered until the pool is back at it; as a destination, tiering stops when the
/// pool would pass it (L3514-3532). Zero or null means no limit (L20894).
public struct PolicyTrigger: Sendable, Hashable {
    public var poolName: String
    public var maxUtilisation: Double?
    public var upperThreshold: Double?
    public var lowerThreshold: Double?
    public var premigrateThreshold: Double?
    public var isCloud: Bool

    public init(
        poolName: String, maxUtilisation: Double? = nil, upperThreshold: Double? = nil, lowerThreshold: Double? = nil,
        premigrateThreshold: Double? = nil, isCloud: Bool = false
    ) {
        self.poolName = poolName
        self.maxUtilisation = maxUtilisation
        self.upperThreshold = upperThreshold
        self.lowerThreshold = lowerThreshold
        self.premigrateThreshold = premigrateThreshold
        self.isCloud = isCloud
    }
}

/// The processing order ("Biggest Files First", L3650-3656): which files are taken first when a
/// threshold limits how many are taken.
public struct PolicyOrder: Sendable, Hashable {
    /// `file_size` is the manual's value; the ages are the UI's other natural choices.
    public enum Key: String, Sendable, Hashable, CaseIterable {
        case fileSize = "file_size"
        case accessTime = "access_time"
        case modificationTime = "modification_time"
        case changeTime = "change_time"
    }

    public var by: Key
    /// false: biggest (or least recently accessed/modified/changed) first; true: the opposite.
    public var reverse: Bool

    public init(by: Key, reverse: Bool = false) {
        self.by = by
        self.reverse = reverse
    }
}
