import Shared

/// The hub's dynamic configuration, `/api/configurations/` (manual L11242-11311, L24063-24262): settings an
/// administrator changes at run time and the engine and housekeeping read on their next use.
///
/// Where the manual contradicts itself the sensible reading is taken:
/// - `task_invalidation_timeout` is in **minutes**, default 360 (the configuration table L11263 and the
///   housekeeping text L12464-12470; the API example's 3600 and the PATCH table's "seconds" disagree).
/// - `jobs_ttl` defaults to 90 days (L11253, L10783; L12534 says 30). 0 keeps jobs forever.
/// - `stat_refresh_period` defaults to 10 s (L11262; the API example shows 30).
public struct GlobalConfiguration: Sendable, Equatable {
    /// One key's type, default and allowed range.
    public struct Key: Sendable {
        public enum Kind: Sendable {
            case int(ClosedRange<Int64>)
            case bool
            case string(allowed: [String]?)
            case stringList
        }
        public let name: String
        public let kind: Kind
        public let defaultValue: JSONValue
    }

    /// Every key, in the order the API lists them.
    public static let keys: [Key] = [
        Key(name: "jobs_ttl", kind: .int(0...maxInt), defaultValue: .int(90)),
        Key(name: "search_backend", kind: .string(allowed: ["analytics", "pixstor_search"]), defaultValue: .string("pixstor_search")),
        Key(name: "search_max_results", kind: .int(1...maxInt), defaultValue: .int(200)),
        Key(name: "search_result_ttl", kind: .int(0...maxInt), defaultValue: .int(7)),
        Key(name: "snapshot_create_delete_retry_timeout", kind: .int(0...maxInt), defaultValue: .int(1000)),
        Key(name: "stat_timeout", kind: .int(1...maxInt), defaultValue: .int(10)),
        Key(name: "stat_refresh_period", kind: .int(0...maxInt), defaultValue: .int(10)),
        Key(name: "task_invalidation_timeout", kind: .int(1...maxInt), defaultValue: .int(360)),
        Key(name: "snapdiff_stream_timeout", kind: .int(0...maxInt), defaultValue: .int(10)),
        Key(name: "force_local_managed_users", kind: .bool, defaultValue: .bool(false)),
        Key(name: "custom_statistics_tasks", kind: .stringList, defaultValue: .array([])),
        Key(name: "analytics_timeout", kind: .int(1...maxInt), defaultValue: .int(10)),
        Key(name: "maximum_external_results", kind: .int(1...maxInt), defaultValue: .int(100)),
        Key(name: "node_health_last_heartbeat_interval", kind: .int(1...maxInt), defaultValue: .int(120)),
        Key(name: "initial_uid", kind: .int(1000...maxInt), defaultValue: .int(100_000)),
        Key(name: "initial_gid", kind: .int(1000...maxInt), defaultValue: .int(100_000)),
        Key(name: "schedules_enabled", kind: .bool, defaultValue: .bool(true)),
        Key(name: "health_timeout", kind: .int(1...maxInt), defaultValue: .int(1)),
        Key(name: "salt_task_timeout", kind: .int(0...maxInt), defaultValue: .int(60)),
        Key(name: "default_space_location", kind: .string(allowed: nil), defaultValue: .string("data")),
        Key(name: "keycloak_jwks_timeout", kind: .int(0...maxInt), defaultValue: .int(3600)),
    ]

    /// The API's integers are 32-bit (its examples use 2147483647).
    public static let maxInt: Int64 = 2_147_483_647

    /// Current values, every key present.
    public private(set) var values: [String: JSONValue]

    /// Defaults overlaid with the stored values; stored keys this version does not know are dropped.
    public init(stored: [String: JSONValue] = [:]) {
        var values: [String: JSONValue] = [:]
        for key in Self.keys { values[key.name] = stored[key.name] ?? key.defaultValue }
        self.values = values
    }

    /// Validates a PATCH body. Returns the changes, or every problem by key (unknown keys included, so that
    /// a misspelt setting is not silently ignored).
    public static func validate(patch: [String: JSONValue]) -> Result<[String: JSONValue], ConfigurationErrors> {
        var changes: [String: JSONValue] = [:]
        var errors: [String: String] = [:]
        let known = Dictionary(uniqueKeysWithValues: keys.map { ($0.name, $0) })
        for (name, value) in patch {
            guard let key = known[name] else {
                errors[name] = "Unknown setting."
                continue
            }
            switch (key.kind, value) {
            case (.int(let range), .int(let number)) where range.contains(number):
                changes[name] = value
            case (.int(let range), .double(let number)) where number.rounded() == number && range.contains(Int64(exactly: number) ?? -1):
                changes[name] = .int(Int64(number))
            case (.int(let range), .int), (.int(let range), .double):
                errors[name] = "Ensure this value is between \(range.lowerBound) and \(range.upperBound)."
            case (.int, _):
                errors[name] = "A valid integer is required."
            case (.bool, .bool):
                changes[name] = value
            case (.bool, _):
                errors[name] = "Must be a valid boolean."
            case (.string(let allowed), .string(let text)):
                if let allowed, !allowed.contains(text) {
                    errors[name] = "\"\(text)\" is not a valid choice. Choose one of: \(allowed.joined(separator: ", "))."
                } else {
                    changes[name] = value
                }
            case (.string, _):
                errors[name] = "Not a valid string."
            case (.stringList, .array(let items)) where items.allSatisfy({ if case .string = $0 { true } else { false } }):
                changes[name] = value
            case (.stringList, _):
                errors[name] = "Expected a list of strings."
            }
        }
        return errors.isEmpty ? .success(changes) : .failure(ConfigurationErrors(fields: errors))
    }

    public func int(_ name: String) -> Int {
        if case .int(let number)? = values[name] { return Int(number) }
        return 0
    }

    public func bool(_ name: String) -> Bool {
        if case .bool(let flag)? = values[name] { return flag }
        return false
    }

    /// Days a finished job is kept; 0 keeps them forever.
    public var jobsTTLDays: Int { int("jobs_ttl") }
    /// Seconds a STARTED task may go without news before housekeeping invalidates it.
    public var taskInvalidationSeconds: Int { int("task_invalidation_timeout") * 60 }
    /// Seconds since its last heartbeat for a node to count as online (L11268).
    public var nodeOnlineSeconds: Int { int("node_health_last_heartbeat_interval") }
    public var schedulesEnabled: Bool { bool("schedules_enabled") }
    /// Seconds to wait for a settings task; 0 means no timeout.
    public var settingsTaskTimeout: Int { int("salt_task_timeout") }
}

/// Invalid configuration values by key.
public struct ConfigurationErrors: Error, Sendable, Equatable {
    public var fields: [String: String]
}
