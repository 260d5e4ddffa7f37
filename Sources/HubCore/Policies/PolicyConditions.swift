/// A named condition group (L3658-3720; structure from the reference, L14853-14871).
///
/// Reading of the manual (it does not say how conditions combine): a file matches a group when it
/// satisfies every condition of the group ("for more finite control of the data targeted"), and the
/// policy selects a file when it matches any group; no groups select every file in scope.
public struct PolicyConditionGroup: Sendable, Hashable {
    public var name: String
    public var dateConditions: [DateCondition]
    public var filesizeConditions: [FilesizeCondition]
    public var filetypeConditions: [FiletypeCondition]

    public init(
        name: String, dateConditions: [DateCondition] = [], filesizeConditions: [FilesizeCondition] = [],
        filetypeConditions: [FiletypeCondition] = []
    ) {
        self.name = name
        self.dateConditions = dateConditions
        self.filesizeConditions = filesizeConditions
        self.filetypeConditions = filetypeConditions
    }

    /// The condition lists a group may hold; any other `*_conditions` key is an unknown condition type.
    public static let conditionKeys = ["date_conditions", "filesize_conditions", "filetype_conditions"]

    public var isEmpty: Bool { dateConditions.isEmpty && filesizeConditions.isEmpty && filetypeConditions.isEmpty }
}

/// "All files accessed at a time older than 365 days" (L3677-3687). `include: false` selects the
/// files that do not satisfy it.
public struct DateCondition: Sendable, Hashable {
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case accessTime = "access_time"
        case modificationTime = "modification_time"
        case changeTime = "change_time"

        /// The UI's and the shell's words for the same fields.
        static let aliases: [String: Field] = [
            "accessed": .accessTime, "atime": .accessTime, "access": .accessTime,
            "modified": .modificationTime, "mtime": .modificationTime, "modification": .modificationTime,
            "changed": .changeTime, "ctime": .changeTime, "change": .changeTime,
        ]
    }

    public enum Direction: String, Sendable, Hashable, CaseIterable {
        case older, newer
    }

    public var field: Field
    public var direction: Direction
    public var age: PolicyAge
    public var include: Bool

    public init(field: Field = .accessTime, direction: Direction = .older, age: PolicyAge, include: Bool = true) {
        self.field = field
        self.direction = direction
        self.age = age
        self.include = include
    }
}

/// An age as the API writes it (a string): `"365"` (days), `"12 hours"`, `"2w"`, `"1 year"`.
/// Weeks are 7 days, months 30 and years 365: a policy selects by elapsed time, not calendar dates.
public struct PolicyAge: Sendable, Hashable {
    public enum Unit: String, Sendable, Hashable {
        case hours = "HOURS"
        case days = "DAYS"
    }

    /// The amount in `unit` (hours stay hours; weeks, months and years become days).
    public var amount: Int
    public var unit: Unit
    /// As the client wrote it, echoed back unchanged.
    public var text: String

    public init(amount: Int, unit: Unit, text: String) {
        self.amount = amount
        self.unit = unit
        self.text = text
    }

    /// Nil when `text` is not a whole non-negative number optionally followed by a unit.
    public static func parse(_ text: String) -> PolicyAge? {
        let trimmed = text.policyTrimmed
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9, let amount = Int(digits) else { return nil }
        let unitText = trimmed.dropFirst(digits.count).policyTrimmed.lowercased()
        switch unitText {
        case "", "d", "day", "days": return PolicyAge(amount: amount, unit: .days, text: text)
        case "h", "hour", "hours": return PolicyAge(amount: amount, unit: .hours, text: text)
        case "w", "week", "weeks": return PolicyAge(amount: amount * 7, unit: .days, text: text)
        case "month", "months": return PolicyAge(amount: amount * 30, unit: .days, text: text)
        case "y", "year", "years": return PolicyAge(amount: amount * 365, unit: .days, text: text)
        default: return nil
        }
    }
}

/// "Files less than 20 Byte" (L3699-3712). `size` is in bytes.
public struct FilesizeCondition: Sendable, Hashable {
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        case greater, less

        static let aliases: [String: Comparison] = [
            "greater_than": .greater, "gt": .greater, "larger": .greater, "less_than": .less, "lt": .less, "smaller": .less,
        ]
    }

    public var comparison: Comparison
    public var size: Int64
    public var include: Bool

    public init(comparison: Comparison, size: Int64, include: Bool = true) {
        self.comparison = comparison
        self.size = size
        self.include = include
    }
}

/// "Selection by filetype: *.png, *.jpg" (L3689-3697): globs on the file's name (`*` any run, `?` one
/// character). A bare extension (`png`, `.png`) means `*.png`.
public struct FiletypeCondition: Sendable, Hashable {
    public var filetypes: [String]
    public var include: Bool

    public init(filetypes: [String], include: Bool = true) {
        self.filetypes = filetypes
        self.include = include
    }

    /// The glob a filetype entry stands for.
    public static func glob(_ entry: String) -> String {
        if entry.contains("*") || entry.contains("?") { return entry }
        return entry.hasPrefix(".") ? "*" + entry : "*." + entry
    }
}

extension StringProtocol {
    var policyTrimmed: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
