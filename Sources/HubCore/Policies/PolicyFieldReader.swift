import Shared

/// Number and list reads the policy body needs on top of `ObjectReader`, with DRF's messages.
struct PolicyFieldReader {
    let reader: ObjectReader

    init(_ object: [String: JSONValue], path: String = "") {
        reader = ObjectReader(object, path: path)
    }

    var object: [String: JSONValue] { reader.object }
    func key(_ name: String) -> String { reader.key(name) }

    /// An integer (a whole double or a decimal string too) within `range`; nil when absent or null.
    func int(_ name: String, required: Bool = false, range: ClosedRange<Int>? = nil, errors: inout ValidationErrors) -> Int? {
        guard let value = object[name], value != .null else {
            if required { errors.add(key(name), object[name] == nil ? Message.required : Message.null) }
            return nil
        }
        guard case .bool = value else {
            guard let number = value.intValue else {
                errors.add(key(name), Message.notInt)
                return nil
            }
            if let range, !check(number, range, key(name), errors: &errors) { return nil }
            return number
        }
        errors.add(key(name), Message.notInt)
        return nil
    }

    /// A number (integer, double or numeric string) within `range`; nil when absent or null.
    func number(_ name: String, range: ClosedRange<Double>, errors: inout ValidationErrors) -> Double? {
        guard let value = object[name], value != .null else { return nil }
        let number: Double?
        switch value {
        case .int(let whole): number = Double(whole)
        case .double(let real): number = real.isFinite ? real : nil
        case .string(let text): number = Double(text.policyTrimmed).flatMap { $0.isFinite ? $0 : nil }
        default: number = nil
        }
        guard let number else {
            errors.add(key(name), PolicyMessage.notNumber)
            return nil
        }
        if number < range.lowerBound {
            errors.add(key(name), PolicyMessage.atLeast(Self.text(range.lowerBound)))
            return nil
        }
        if number > range.upperBound {
            errors.add(key(name), PolicyMessage.atMost(Self.text(range.upperBound)))
            return nil
        }
        return number
    }

    /// A list of integers; nil when absent or null.
    func intList(_ name: String, errors: inout ValidationErrors) -> [Int]? {
        guard let value = object[name], value != .null else { return nil }
        guard case .array(let items) = value else {
            errors.add(key(name), Message.notList(value))
            return nil
        }
        var result: [Int] = []
        for (index, item) in items.enumerated() {
            if case .bool = item {
                errors.add("\(key(name))[\(index)]", Message.notInt)
            } else if let number = item.intValue {
                result.append(number)
            } else {
                errors.add("\(key(name))[\(index)]", Message.notInt)
            }
        }
        return result
    }

    /// A list of objects (each with its own path); nil when absent or null.
    func objectList(_ name: String, errors: inout ValidationErrors) -> [(path: String, object: [String: JSONValue])]? {
        guard let value = object[name], value != .null else { return nil }
        guard case .array(let items) = value else {
            errors.add(key(name), Message.notList(value))
            return nil
        }
        var result: [(String, [String: JSONValue])] = []
        for (index, item) in items.enumerated() {
            let path = "\(key(name))[\(index)]"
            guard case .object(let dict) = item else {
                errors.add(path, Message.notObject(item))
                continue
            }
            result.append((path, dict))
        }
        return result
    }

    /// A cron field: a string, or a number written as one (`"minute": 0`).
    func cronField(_ name: String, errors: inout ValidationErrors) -> String? {
        if case .int(let number)? = object[name] { return String(number) }
        return reader.string(name, required: false, errors: &errors)?.policyTrimmed
    }

    private func check(_ number: Int, _ range: ClosedRange<Int>, _ key: String, errors: inout ValidationErrors) -> Bool {
        if number < range.lowerBound {
            errors.add(key, PolicyMessage.atLeast(String(range.lowerBound)))
            return false
        }
        if number > range.upperBound {
            errors.add(key, PolicyMessage.atMost(String(range.upperBound)))
            return false
        }
        return true
    }

    static func text(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}

/// DRF's wording for the checks `Message` does not cover, and the policy-specific ones.
enum PolicyMessage {
    static let notNumber = "A valid number is required."
    static func atLeast(_ bound: String) -> String { "Ensure this value is greater than or equal to \(bound)." }
    static func atMost(_ bound: String) -> String { "Ensure this value is less than or equal to \(bound)." }
    static func choice(_ value: String, _ allowed: [String]) -> String {
        "\"\(value)\" is not a valid choice. Valid choices are \(allowed.joined(separator: ", "))."
    }
}
