import Shared

/// Typed access to a task's kwargs. Unknown keys are ignored (manual L9117); a known key of the wrong type
/// fails the task with its name. JSON null counts as absent. Runtime fields substitute strings, so booleans
/// are also accepted as "true"/"false" and integers as decimal strings.
struct TaskArguments: Sendable {
    let kwargs: [String: JSONValue]

    init(_ kwargs: [String: JSONValue]) { self.kwargs = kwargs }

    private func value(_ name: String) -> JSONValue? {
        guard let value = kwargs[name], value != .null else { return nil }
        return value
    }

    private func wrongType(_ name: String, _ expected: String, _ value: JSONValue) -> TaskFailure {
        TaskFailure("kwarg '\(name)' must be \(expected), got \(Self.describe(value))")
    }

    func bool(_ name: String) throws(TaskFailure) -> Bool? {
        guard let value = value(name) else { return nil }
        guard let flag = value.boolValue else { throw wrongType(name, "a boolean (true/false)", value) }
        return flag
    }

    func bool(_ name: String, default fallback: Bool) throws(TaskFailure) -> Bool {
        try bool(name) ?? fallback
    }

    /// The first of `names` that is given (aliases, e.g. `premigrate` and `pre_migrate`).
    func bool(anyOf names: [String], default fallback: Bool) throws(TaskFailure) -> Bool {
        for name in names { if let flag = try bool(name) { return flag } }
        return fallback
    }

    func int(_ name: String, range: ClosedRange<Int> = Int.min...Int.max) throws(TaskFailure) -> Int? {
        guard let value = value(name) else { return nil }
        guard let number = value.intValue else { throw wrongType(name, "an integer", value) }
        guard range.contains(number) else {
            throw TaskFailure("kwarg '\(name)' must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
        return number
    }

    /// A string; a number is accepted and written in decimal (`default_uid: 1000`).
    func string(_ name: String) throws(TaskFailure) -> String? {
        guard let value = value(name) else { return nil }
        switch value {
        case .string(let text): return text
        case .int(let number): return String(number)
        default: throw wrongType(name, "a string", value)
        }
    }

    /// A string that must be one of `allowed`.
    func choice(_ name: String, _ allowed: [String]) throws(TaskFailure) -> String? {
        guard let text = try string(name) else { return nil }
        guard allowed.contains(text) else {
            throw TaskFailure("kwarg '\(name)' must be one of \(allowed.joined(separator: ", ")), got '\(text)'")
        }
        return text
    }

    func stringList(_ name: String) throws(TaskFailure) -> [String]? {
        guard let value = value(name) else { return nil }
        guard case .array(let items) = value else { throw wrongType(name, "a list of strings", value) }
        var strings: [String] = []
        for item in items {
            guard case .string(let text) = item else { throw wrongType(name, "a list of strings", value) }
            strings.append(text)
        }
        return strings
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "the boolean \(flag)"
        case .int(let number): "the number \(number)"
        case .double(let number): "the number \(number)"
        case .string(let text): "the string \(String(reflecting: String(text.prefix(100))))"
        case .array: "a list"
        case .object: "an object"
        }
    }
}
