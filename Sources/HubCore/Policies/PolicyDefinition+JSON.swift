import Shared

extension PolicyDefinition {
    /// The policy as the API writes it (without the store's `id`, `created` and nested `id`s), so that
    /// `parse(jsonObject)` gives the same policy back. `run_immediately` only appears when set.
    public var jsonObject: [String: JSONValue] {
        var body: [String: JSONValue] = [
            "name": .string(name),
            "policy_type": .string(policyType),
            "filesystem": .string(filesystem),
            "enabled": .bool(enabled),
            "threads": .int(Int64(threads)),
            "site": .int(Int64(site)),
            "spaces": .array(spaces.map { .int(Int64($0)) }),
            "schedule": schedule.map { .object($0.jsonObject) } ?? .null,
            "triggers": .array(triggers.map { .object($0.jsonObject) }),
            "order": order.map { .object($0.jsonObject) } ?? .null,
            "condition_groups": .array(conditionGroups.map { .object($0.jsonObject) }),
        ]
        if runImmediately { body["run_immediately"] = .bool(true) }
        return body
    }
}

extension PolicySchedule {
    public var jsonObject: [String: JSONValue] {
        [
            "timezone": .string(timezone), "minute": .string(minute), "hour": .string(hour),
            "day_of_week": .string(dayOfWeek), "day_of_month": .string(dayOfMonth), "month_of_year": .string(monthOfYear),
            "time": time.map(JSONValue.string) ?? .null, "first_occur": .bool(firstOccur),
            "start_date_time": startDateTime.map(JSONValue.string) ?? .null,
        ]
    }
}

extension PolicyTrigger {
    public var jsonObject: [String: JSONValue] {
        func number(_ value: Double?) -> JSONValue {
            guard let value else { return .null }
            return value == value.rounded() && abs(value) < 1e15 ? .int(Int64(value)) : .double(value)
        }
        return [
            "pool_name": .string(poolName), "max_utilisation": number(maxUtilisation),
            "upper_threshold": number(upperThreshold), "lower_threshold": number(lowerThreshold),
            "premigrate_threshold": number(premigrateThreshold), "is_cloud": .bool(isCloud),
        ]
    }
}

extension PolicyOrder {
    public var jsonObject: [String: JSONValue] { ["by": .string(by.rawValue), "reverse": .bool(reverse)] }
}

extension PolicyConditionGroup {
    public var jsonObject: [String: JSONValue] {
        [
            "name": .string(name),
            "date_conditions": .array(dateConditions.map { condition in
                .object([
                    "age": .string(condition.age.text), "date_field": .string(condition.field.rawValue),
                    "older_or_newer": .string(condition.direction.rawValue), "include": .bool(condition.include),
                ])
            }),
            "filesize_conditions": .array(filesizeConditions.map { condition in
                .object([
                    "greater_or_less": .string(condition.comparison.rawValue), "size": .int(condition.size),
                    "include": .bool(condition.include),
                ])
            }),
            "filetype_conditions": .array(filetypeConditions.map { condition in
                .object(["filetypes": .array(condition.filetypes.map(JSONValue.string)), "include": .bool(condition.include)])
            }),
        ]
    }
}
