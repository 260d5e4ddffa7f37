import Foundation

/// One parsed crontab field: the set of values it allows, in celery's crontab syntax.
///
/// Syntax (comma-separated items): `*`, `*/step`, `n`, `a-b`, `a-b/step`, `n/step` (= `n-max/step`).
/// A range whose end is below its start wraps around (`fri-mon`, hour `22-2`), as in celery.
/// A step keeps every step-th value of the item, starting at its first: minute `*/45` is :00 and :45,
/// hour `9-17/2` is 9, 11, 13, 15, 17. Day of week is 0-6 with 0 = Sunday and 7 also Sunday, or the
/// names `sun`..`sat`; month is 1-12 or `jan`..`dec` (names in any case, full names accepted too).
public struct CronField: Sendable, Hashable {
    /// Which of the five fields, with its API name, range and names.
    public enum Kind: Sendable, Hashable, CaseIterable {
        case minute, hour, dayOfWeek, dayOfMonth, monthOfYear

        /// The field's name in the REST API and in validation errors.
        public var apiName: String {
            switch self {
            case .minute: "minute"
            case .hour: "hour"
            case .dayOfWeek: "day_of_week"
            case .dayOfMonth: "day_of_month"
            case .monthOfYear: "month_of_year"
            }
        }

        /// The values the field can hold once parsed (day of week: 0-6, 0 = Sunday).
        public var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfWeek: 0...6
            case .dayOfMonth: 1...31
            case .monthOfYear: 1...12
            }
        }

        /// The numbers a user may write (day of week also accepts 7 for Sunday).
        var inputRange: ClosedRange<Int> {
            self == .dayOfWeek ? 0...7 : range
        }

        var names: [String: Int] {
            switch self {
            case .dayOfWeek: Self.dayNames
            case .monthOfYear: Self.monthNames
            default: [:]
            }
        }

        private static let dayNames: [String: Int] = {
            let full = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
            var names: [String: Int] = [:]
            for (index, name) in full.enumerated() {
                names[name] = index
                names[String(name.prefix(3))] = index
            }
            return names
        }()

        private static let monthNames: [String: Int] = {
            let full = [
                "january", "february", "march", "april", "may", "june",
                "july", "august", "september", "october", "november", "december",
            ]
            var names: [String: Int] = [:]
            for (index, name) in full.enumerated() {
                names[name] = index + 1
                names[String(name.prefix(3))] = index + 1
            }
            return names
        }()

        fileprivate func notAValue(_ token: String) -> String {
            switch self {
            case .dayOfWeek: "\"\(token)\" is not a day of the week (0-7 or sun-sat)."
            case .monthOfYear: "\"\(token)\" is not a month (1-12 or jan-dec)."
            default: "\"\(token)\" is not a number."
            }
        }
    }

    public let kind: Kind
    /// Bit `v` is set when value `v` is allowed.
    let bits: UInt64

    /// True when every value of the range is allowed (`*`, `*/1`, `0-6`, `1-31`...): the field restricts
    /// nothing. This decides the day-of-month / day-of-week rule of `CronSpec`.
    public let isUnrestricted: Bool

    init(kind: Kind, values: [Int]) {
        let range = kind.range
        var bits: UInt64 = 0
        for value in values where value >= range.lowerBound && value <= range.upperBound {
            bits |= 1 << UInt64(value)
        }
        // Bits lowerBound...upperBound (upperBound < 63 for every kind).
        let all = ((UInt64(1) << UInt64(range.upperBound + 1)) - 1) & ~((UInt64(1) << UInt64(range.lowerBound)) - 1)
        self.kind = kind
        self.bits = bits
        self.isUnrestricted = bits == all
    }

    /// The allowed values in ascending order.
    public var values: [Int] { kind.range.filter(contains) }

    public func contains(_ value: Int) -> Bool {
        kind.range.contains(value) && bits & (1 << UInt64(value)) != 0
    }

    /// The smallest allowed value >= `value`, if any (bits outside the range are never set).
    func next(atOrAfter value: Int) -> Int? {
        guard value < 64 else { return nil }
        let above = value <= 0 ? bits : bits & (~UInt64(0) << UInt64(value))
        return above == 0 ? nil : above.trailingZeroBitCount
    }

    /// The largest allowed value <= `value`, if any.
    func previous(atOrBefore value: Int) -> Int? {
        guard value >= 0 else { return nil }
        let below = value >= 63 ? bits : bits & ((UInt64(1) << UInt64(value + 1)) - 1)
        return below == 0 ? nil : 63 - below.leadingZeroBitCount
    }

    /// Parses `text`; on failure returns every problem found, as messages for the field.
    static func parse(_ text: String, kind: Kind) -> Result<CronField, ScheduleValidationError> {
        var messages: [String] = []
        func report(_ message: String) {
            if !messages.contains(message) { messages.append(message) }
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty {
            return .failure(ScheduleValidationError(field: kind.apiName, message: "This field may not be blank."))
        }
        var values: [Int] = []
        for rawItem in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let item = rawItem.trimmingCharacters(in: .whitespaces)
            if item.isEmpty {
                report("Empty item in \"\(trimmed)\".")
                continue
            }
            switch parseItem(item, kind: kind) {
            case .success(let itemValues): values += itemValues
            case .failure(let problems): problems.messages.forEach(report)
            }
        }
        if !messages.isEmpty {
            return .failure(ScheduleValidationError([kind.apiName: messages]))
        }
        return .success(CronField(kind: kind, values: values.map { kind == .dayOfWeek && $0 == 7 ? 0 : $0 }))
    }

    /// One comma-separated item: `base` or `base/step`, where base is `*`, `n` or `a-b`.
    private static func parseItem(_ item: String, kind: Kind) -> Result<[Int], Problems> {
        let parts = item.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2 else { return .failure(Problems(messages: ["\"\(item)\" has more than one step."])) }
        var problems: [String] = []
        var step = 1
        if parts.count == 2 {
            let stepText = parts[1].trimmingCharacters(in: .whitespaces)
            if let parsed = number(stepText) {
                if parsed < 1 { problems.append("Step \(parsed) in \"\(item)\" must be at least 1.") } else { step = parsed }
            } else {
                problems.append("Step \"\(stepText)\" in \"\(item)\" is not a number.")
            }
        }
        let base = parts[0].trimmingCharacters(in: .whitespaces)
        var sequence: [Int] = []
        if base == "*" {
            sequence = Array(kind.range)
        } else {
            let ends = base.split(separator: "-", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            if ends.count > 2 || ends.contains(where: \.isEmpty) {
                problems.append("\"\(base)\" is not a value or a range such as 1-5.")
            } else {
                var bounds: [Int] = []
                for end in ends {
                    switch value(end, kind: kind) {
                    case .success(let parsed): bounds.append(parsed)
                    case .failure(let problem): problems.append(problem.message)
                    }
                }
                if bounds.count == ends.count, let first = bounds.first, let last = bounds.last {
                    if ends.count == 2 {
                        sequence = expand(from: first, to: last, kind: kind)
                    } else if parts.count == 2 {
                        sequence = Array(first...max(first, kind.range.upperBound))  // n/step = n-max/step
                    } else {
                        sequence = [first]
                    }
                }
            }
        }
        if !problems.isEmpty { return .failure(Problems(messages: problems)) }
        return .success(stride(from: 0, to: sequence.count, by: step).map { sequence[$0] })
    }

    /// `a-b` in order; below its start the range wraps past the end of the field (celery's rule).
    private static func expand(from start: Int, to end: Int, kind: Kind) -> [Int] {
        if start <= end { return Array(start...end) }
        let top = kind == .dayOfWeek ? 6 : kind.range.upperBound
        let low = kind.range.lowerBound
        return (start <= top ? Array(start...top) : []) + Array(low...end)
    }

    private struct Problem: Error {
        let message: String
    }

    private struct Problems: Error {
        let messages: [String]
    }

    private static func value(_ token: String, kind: Kind) -> Result<Int, Problem> {
        if let named = kind.names[token.lowercased()] { return .success(named) }
        guard isDigits(token) else { return .failure(Problem(message: kind.notAValue(token))) }
        let allowed = kind.inputRange
        guard let parsed = number(token), allowed.contains(parsed) else {
            return .failure(Problem(message: "\(token) is out of range \(allowed.lowerBound)-\(allowed.upperBound)."))
        }
        return .success(parsed)
    }

    /// Plain decimal digits only ("+5", "-1" and "1.0" are not numbers here).
    private static func number(_ token: String) -> Int? {
        guard isDigits(token), token.count <= 9 else { return nil }
        return Int(token)
    }

    private static func isDigits(_ token: String) -> Bool {
        !token.isEmpty && token.unicodeScalars.allSatisfy { ("0"..."9").contains($0) }
    }
}
