import Shared

extension PolicyDefinition {
    /// Parses a POST body (or a stored policy object), reporting every problem with its field path.
    /// Unknown and read-only fields (`id`, `created`, nested `id`s) are ignored.
    public static func parse(_ body: [String: JSONValue]) throws(PolicyValidationError) -> PolicyDefinition {
        var errors = ValidationErrors()
        let policy = parse(body, errors: &errors)
        try errors.checkPolicy()
        guard let policy else { throw PolicyValidationError(field: "non_field_errors", "Invalid policy.") }
        return policy
    }

    static func parse(_ body: [String: JSONValue], errors: inout ValidationErrors) -> PolicyDefinition? {
        let fields = PolicyFieldReader(body)
        let reader = fields.reader
        let name = reader.string("name", required: true, errors: &errors)
        var policyType = PolicyDefinition.migration
        if let given = reader.string("policy_type", required: false, errors: &errors) {
            if policyTypes.contains(given) {
                policyType = given
            } else {
                errors.add("policy_type", PolicyMessage.choice(given, policyTypes))
            }
        }
        let filesystem = reader.string("filesystem", required: false, errors: &errors) ?? defaultFilesystem
        let enabled = reader.bool("enabled", fallback: true, errors: &errors)
        let threads = fields.int("threads", range: 1...Int(Int32.max), errors: &errors) ?? defaultThreads
        let site = fields.int("site", required: true, range: 1...Int.max, errors: &errors)
        let spaces = parseSpaces(fields, errors: &errors)
        let schedule = reader.object("schedule", errors: &errors).flatMap {
            PolicySchedule.parse($0, path: "schedule", errors: &errors)
        }
        let triggers = parseTriggers(fields, errors: &errors)
        let order = reader.object("order", errors: &errors).flatMap { PolicyOrder.parse($0, path: "order", errors: &errors) }
        let groups = (fields.objectList("condition_groups", errors: &errors) ?? []).compactMap {
            PolicyConditionGroup.parse($0.object, path: $0.path, errors: &errors)
        }
        let runImmediately = reader.bool("run_immediately", fallback: false, errors: &errors)
        guard let name, let site, let spaces, let triggers, errors.isEmpty else { return nil }
        return PolicyDefinition(
            name: name, policyType: policyType, filesystem: filesystem, enabled: enabled, threads: threads, site: site,
            spaces: spaces, schedule: schedule, triggers: triggers, order: order, conditionGroups: groups,
            runImmediately: runImmediately)
    }

    /// PATCH: the fields in `patch` replace this policy's (a nested object or list is replaced as given,
    /// not merged), then the whole result is validated again as a POST body would be.
    public func patched(with patch: [String: JSONValue]) throws(PolicyValidationError) -> PolicyDefinition {
        var body = jsonObject
        for (key, value) in patch { body[key] = value }
        // run_immediately is a POST-only switch: a PATCH never re-arms it unless it says so.
        if patch["run_immediately"] == nil { body["run_immediately"] = nil }
        return try PolicyDefinition.parse(body)
    }

    private static func parseSpaces(_ fields: PolicyFieldReader, errors: inout ValidationErrors) -> [Int]? {
        guard fields.object["spaces"] != nil else {
            errors.add("spaces", Message.required)
            return nil
        }
        guard fields.object["spaces"] != .null else {
            errors.add("spaces", Message.null)
            return nil
        }
        guard let ids = fields.intList("spaces", errors: &errors) else { return nil }
        // A policy scoped to nothing would do nothing; one scoped to everything is not what the UI offers.
        if fields.object["spaces"]?.arrayValue?.isEmpty == true { errors.add("spaces", Message.emptyList) }
        var seen: Set<Int> = []
        return ids.filter { seen.insert($0).inserted }
    }

    private static func parseTriggers(_ fields: PolicyFieldReader, errors: inout ValidationErrors) -> [PolicyTrigger]? {
        guard fields.object["triggers"] != nil else {
            errors.add("triggers", Message.required)
            return nil
        }
        guard fields.object["triggers"] != .null else {
            errors.add("triggers", Message.null)
            return nil
        }
        guard let items = fields.objectList("triggers", errors: &errors) else { return nil }
        if items.isEmpty {
            errors.add("triggers", Message.emptyList)
            return nil
        }
        let before = errors.count
        let triggers = items.compactMap { PolicyTrigger.parse($0.object, path: $0.path, errors: &errors) }
        guard errors.count == before else { return nil }
        var seen: Set<String> = []
        for (index, trigger) in triggers.enumerated() where !seen.insert(trigger.poolName).inserted {
            errors.add("triggers[\(index)].pool_name", "Pool '\(trigger.poolName)' is already in this hierarchy.")
        }
        // "Ngenea source/destinations are only supported with one additional pool" (L3534): the product
        // then silently moves nothing to Ngenea; refusing the body says so instead.
        if triggers.count > 1, let cloud = triggers.firstIndex(where: \.isCloud) {
            errors.add(
                "triggers[\(cloud)].is_cloud",
                "The Ngenea target is supported with only one other pool: a hierarchy with Ngenea has exactly one trigger.")
        }
        return errors.count == before ? triggers : nil
    }
}

extension PolicySchedule {
    static func parse(_ object: [String: JSONValue], path: String, errors: inout ValidationErrors) -> PolicySchedule? {
        let fields = PolicyFieldReader(object, path: path)
        let reader = fields.reader
        let before = errors.count
        var schedule = PolicySchedule()
        if let timezone = reader.string("timezone", required: false, errors: &errors) { schedule.timezone = timezone }
        // Celery's crontab defaults each field to "*"; the hub checks the syntax with CronSpec.
        if let minute = fields.cronField("minute", errors: &errors) { schedule.minute = minute }
        if let hour = fields.cronField("hour", errors: &errors) { schedule.hour = hour }
        if let day = fields.cronField("day_of_week", errors: &errors) { schedule.dayOfWeek = day }
        if let day = fields.cronField("day_of_month", errors: &errors) { schedule.dayOfMonth = day }
        if let month = fields.cronField("month_of_year", errors: &errors) { schedule.monthOfYear = month }
        if let time = reader.string("time", required: false, errors: &errors) {
            if Self.isTimeOfDay(time) {
                schedule.time = time
            } else {
                errors.add(fields.key("time"), "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]].")
            }
        }
        schedule.firstOccur = reader.bool("first_occur", fallback: false, errors: &errors)
        schedule.startDateTime = reader.string("start_date_time", required: false, allowBlank: true, errors: &errors)
        return errors.count == before ? schedule : nil
    }

    /// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.ffffff` (DRF's TimeField).
    static func isTimeOfDay(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return false }
        func number(_ part: Substring, below limit: Int) -> Bool {
            part.count == 2 && part.allSatisfy { $0.isASCII && $0.isNumber } && (Int(part) ?? limit) < limit
        }
        guard number(parts[0], below: 24), number(parts[1], below: 60) else { return false }
        guard parts.count == 3 else { return true }
        let seconds = parts[2].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard number(seconds[0], below: 60) else { return false }
        guard seconds.count == 2 else { return true }
        return (1...6).contains(seconds[1].count) && seconds[1].allSatisfy { $0.isASCII && $0.isNumber }
    }
}

extension PolicyTrigger {
    static func parse(_ object: [String: JSONValue], path: String, errors: inout ValidationErrors) -> PolicyTrigger? {
        let fields = PolicyFieldReader(object, path: path)
        let before = errors.count
        let pool = fields.reader.string("pool_name", required: true, errors: &errors)
        let percent = 0.0...100.0
        let maxUtilisation = fields.number("max_utilisation", range: percent, errors: &errors)
        let upper = fields.number("upper_threshold", range: percent, errors: &errors)
        let lower = fields.number("lower_threshold", range: percent, errors: &errors)
        let premigrate = fields.number("premigrate_threshold", range: percent, errors: &errors)
        let isCloud = fields.reader.bool("is_cloud", fallback: false, errors: &errors)
        // THRESHOLD(high, low, premigrate) needs premigrate <= low <= high.
        if let lower, lower > (upper ?? 0) {
            errors.add(
                fields.key("lower_threshold"),
                upper == nil
                    ? "Set upper_threshold too: a lower threshold only applies once the pool is above the upper one."
                    : "Must not be above upper_threshold (\(PolicyFieldReader.text(upper ?? 0))).")
        }
        if let premigrate, premigrate > 0, premigrate > (lower ?? 0) {
            errors.add(
                fields.key("premigrate_threshold"),
                "Must not be above lower_threshold (\(PolicyFieldReader.text(lower ?? 0))): files are pre-migrated beyond the lower threshold, down to this one.")
        }
        guard let pool, errors.count == before else { return nil }
        return PolicyTrigger(
            poolName: pool.policyTrimmed, maxUtilisation: maxUtilisation, upperThreshold: upper, lowerThreshold: lower,
            premigrateThreshold: premigrate, isCloud: isCloud)
    }
}

extension PolicyOrder {
    static func parse(_ object: [String: JSONValue], path: String, errors: inout ValidationErrors) -> PolicyOrder? {
        let reader = ObjectReader(object, path: path)
        let before = errors.count
        let allowed = Key.allCases.map(\.rawValue)
        var key = Key.fileSize
        if let by = reader.string("by", required: false, errors: &errors) {
            if let known = Key(rawValue: by) {
                key = known
            } else {
                errors.add(reader.key("by"), PolicyMessage.choice(by, allowed))
            }
        }
        let reverse = reader.bool("reverse", fallback: false, errors: &errors)
        return errors.count == before ? PolicyOrder(by: key, reverse: reverse) : nil
    }
}
