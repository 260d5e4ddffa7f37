import Shared

/// What is wrong with a workflow definition or a submission, as Django REST Framework reports it:
/// field -> messages, so the HTTP layer can return it as a 400 body unchanged.
///
/// Keys name the offending field; nested ones use a path such as `filter_rules[0].action[1].name`
/// or `fields.target_site`, so a client can point at the exact place.
public struct WorkflowValidationError: FieldValidationError {
    public var fields: [String: [String]]

    public init(_ fields: [String: [String]]) {
        self.fields = fields
    }
}

/// Collects every problem before failing, so a client sees all of them in one 400 (not one per retry).
struct ValidationErrors {
    private(set) var fields: [String: [String]] = [:]

    var isEmpty: Bool { fields.isEmpty }

    /// How many messages were recorded, to tell whether a sub-parse added any.
    var count: Int { fields.values.reduce(0) { $0 + $1.count } }

    /// Records `message` under `key`, once: a field referenced by several steps is reported once.
    mutating func add(_ key: String, _ message: String) {
        if fields[key]?.contains(message) == true { return }
        fields[key, default: []].append(message)
    }

    mutating func merge(_ other: ValidationErrors) {
        for (key, messages) in other.fields {
            for message in messages { add(key, message) }
        }
    }

    func check() throws(WorkflowValidationError) {
        if !fields.isEmpty { throw WorkflowValidationError(fields) }
    }
}

/// The messages DRF gives for the same problems, so existing clients recognise them.
enum Message {
    static let required = "This field is required."
    static let null = "This field may not be null."
    static let blank = "This field may not be blank."
    static let emptyList = "This list may not be empty."
    static let notString = "Not a valid string."
    static let notBool = "Must be a valid boolean."
    static let notInt = "A valid integer is required."

    static func notList(_ value: JSONValue) -> String {
        "Expected a list of items but got type \"\(value.pythonTypeName)\"."
    }

    static func notObject(_ value: JSONValue) -> String {
        "Expected a dictionary of items but got type \"\(value.pythonTypeName)\"."
    }

    static func invalidDiscovery(_ name: String) -> String {
        "\"\(name)\" is not a valid choice. Valid discoveries are recursive, snapdiff, bidirectional_snapdiff and null."
    }

    static func invalidChoice(_ value: JSONValue) -> String {
        "\"\(value.displayText)\" is not a valid choice."
    }
}

extension JSONValue {
    /// The type name DRF's messages use (the server it copies is written in Python).
    public var pythonTypeName: String {
        switch self {
        case .null: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .array: "list"
        case .object: "dict"
        }
    }

    /// A value as a person would write it in a message.
    var displayText: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .string(let value): value
        case .array, .object: pythonTypeName
        }
    }
}
