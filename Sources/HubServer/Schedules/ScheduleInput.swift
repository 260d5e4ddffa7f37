import Foundation
import HubCore
import Shared

/// A schedule's fields from a POST or PATCH body (manual spec/04 section 26, spec/01 section 10),
/// validated: cron fields and the time zone through HubCore's calculator, every problem named.
struct ScheduleInput {
    var name: String?
    var site: String?
    var space: Field<String> = .absent
    /// The five cron strings given (absent keys keep their stored value on PATCH, `*` on POST).
    var cron: [String: String] = [:]
    var timezone: Field<String> = .absent
    var discovery: Field<String> = .absent
    var discoveryOptions: Field<JSONValue> = .absent
    var enabled: Bool?
    var managedPaths: [String]?
    var overlap: String?
    var startDateTime: Field<Date> = .absent
    var firstOccur: Bool?
    /// Inline workflows on POST (the nested route is the other way to add them).
    var workflows: [ScheduleWorkflowInput]?
    /// Problems found in the body itself; the store adds those it finds in the database and reports all
    /// of them together.
    var problems: [String: [String]] = [:]

    static let cronKeys = ["minute", "hour", "day_of_week", "day_of_month", "month_of_year"]

    init(_ body: JSONValue, creating: Bool) throws {
        var reader = try FieldReader(body)
        name = reader.string("name", required: creating, allowBlank: false, maxLength: 255)
        site = reader.string("site", required: creating, allowBlank: false, maxLength: 255)
        space = reader.nullableString("space", maxLength: 255)
        for key in Self.cronKeys {
            if let text = reader.string(key, allowBlank: false, maxLength: 255) { cron[key] = text }
        }
        if reader.has("frequency") { Self.frequency(&reader, into: &cron) }
        timezone = reader.nullableString("timezone", maxLength: 64)
        if case .value(let zone) = timezone {
            do { _ = try ScheduleCalculator.timeZone(identifier: zone) } catch {
                for (field, messages) in error.fields { for message in messages { reader.fail(field, message) } }
            }
        }
        discovery = reader.nullableString("discovery", maxLength: 64)
        if case .value(let name) = discovery, KnownTasks.discoveryTasks[name] == nil || name == KnownTasks.policyDiscovery {
            reader.fail("discovery", "\"\(name)\" is not a discovery (one of: \(KnownTasks.discoveryTasks.keys.sorted().joined(separator: ", "))).")
        }
        if reader.has("discovery_options") {
            if reader.isNull("discovery_options") {
                discoveryOptions = .null
            } else if let options = reader.object["discovery_options"], case .object = options {
                discoveryOptions = .value(options)
            } else {
                reader.fail("discovery_options", "Expected a dictionary of items.")
            }
        }
        enabled = reader.bool("enabled")
        if let paths = reader.stringList("managed_paths") {
            var normalized: [String] = []
            for path in paths {
                guard let clean = PathScope.normalized(path) else {
                    reader.fail("managed_paths", "\"\(path)\" is not an absolute path without '..'.")
                    continue
                }
                if !normalized.contains(clean) { normalized.append(clean) }
            }
            managedPaths = normalized
        }
        overlap = reader.string("overlap")
        if let overlap, !["allow", "skip"].contains(overlap) {
            reader.fail("overlap", "\"\(overlap)\" is not a valid choice (allow or skip).")
        }
        switch reader.nullableString("start_date_time", maxLength: 64) {
        case .absent: break
        case .null: startDateTime = .null
        case .value(let text):
            if let date = WireCoding.parseDate(text) { startDateTime = .value(date) } else {
                reader.fail("start_date_time", "Datetime has wrong format. Use ISO 8601.")
            }
        }
        firstOccur = reader.bool("first_occur")
        if reader.has("workflows") {
            if case .array(let items)? = reader.object["workflows"] {
                var parsed: [ScheduleWorkflowInput] = []
                for (index, item) in items.enumerated() {
                    do { parsed.append(try ScheduleWorkflowInput(item, creating: true)) } catch let error as APIError {
                        reader.fail("workflows", "Item \(index): \(error.description)")
                    }
                }
                workflows = parsed
            } else {
                reader.fail("workflows", "Expected a list of workflows.")
            }
        }
        for (key, body) in reader.errors {
            switch body {
            case .message(let text): problems[key] = [text]
            case .messages(let list): problems[key] = list
            case .nested(let map): problems[key] = map.flatMap { field, messages in messages.map { "\(field): \($0)" } }
            }
        }
    }

    /// The UI's two ways of saying when (spec/01 section 10), turned into the cron fields:
    /// `{"type": "periodic", "every": 15, "unit": "minutes"|"hours", "days": [1, 3, 5]}` runs on interval
    /// boundaries (:00, :15, ...) on those weekdays (0 = Sunday; absent = every day);
    /// `{"type": "time", "time": "05:00", "days": [...]}` runs at that wall-clock time.
    static func frequency(_ reader: inout FieldReader, into cron: inout [String: String]) {
        guard var form = reader.object("frequency") else { return }
        let kind = form.string("type", required: true)
        let days = form.intList("days")
        var weekdays = Weekday.everyDay
        if let days {
            let parsed = days.compactMap(Weekday.init(rawValue:))
            if parsed.count != days.count || parsed.isEmpty {
                reader.fail("frequency", "days: expected weekday numbers 0-6 (0 = Sunday).")
                return
            }
            weekdays = Set(parsed)
        }
        do {
            let spec: CronSpec
            switch kind {
            case "periodic":
                guard let every = form.int("every", required: true) else { throw ScheduleValidationError(field: "every", message: "A valid integer is required.") }
                switch form.string("unit") ?? "minutes" {
                case "minutes", "mins": spec = try CronSpec.periodic(every: .minutes(every), on: weekdays)
                case "hours": spec = try CronSpec.periodic(every: .hours(every), on: weekdays)
                case let unit: throw ScheduleValidationError(field: "unit", message: "\"\(unit)\" is not minutes or hours.")
                }
            case "time":
                guard let time = form.string("time", required: true) else { throw ScheduleValidationError(field: "time", message: "This field is required.") }
                spec = try CronSpec.timeOfDay(time, on: weekdays)
            default:
                reader.fail("frequency", "type: expected \"periodic\" or \"time\".")
                return
            }
            cron = spec.fields
        } catch let error as ScheduleValidationError {
            for (field, messages) in error.fields { for message in messages { reader.fail("frequency", "\(field): \(message)") } }
        } catch {
            reader.fail("frequency", "\(error)")
        }
        for (key, body) in form.errors {
            if case .messages(let list) = body { for message in list { reader.fail("frequency", "\(key): \(message)") } }
        }
    }
}

/// One workflow a schedule runs: `{workflow, site, queue, fields}` (manual L15331-15434).
struct ScheduleWorkflowInput {
    var workflow: String?
    var site: String?
    var queue: String?
    var fields: JSONValue?

    init(_ body: JSONValue, creating: Bool) throws {
        var reader = try FieldReader(body)
        workflow = reader.string("workflow", required: creating, allowBlank: false, maxLength: 255)
        site = reader.string("site", required: creating, allowBlank: false, maxLength: 255)
        queue = reader.string("queue", allowBlank: false, maxLength: 255)
        if let queue, queue.range(of: "^[a-zA-Z0-9_-]+$", options: .regularExpression) == nil {
            reader.fail("queue", "Enter a valid queue name: letters, numbers, underscores or hyphens.")
        }
        if reader.has("fields") {
            if case .object? = reader.object["fields"] { fields = reader.object["fields"] } else {
                reader.fail("fields", "Expected a dictionary of items.")
            }
        }
        try reader.validate()
    }
}
