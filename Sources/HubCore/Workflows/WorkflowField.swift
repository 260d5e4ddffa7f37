import Shared

/// A runtime field of a workflow (manual L10388-10433): a value given at submission, or its default,
/// that action steps reference as `"*name"`.
///
/// Types are kept as the definition spells them; unknown ones are accepted (the manual itself writes
/// `(optional)` and `(pattern)`, L12049-12051) and their values are passed through unchecked.
public struct WorkflowField: Sendable, Hashable, Codable {
    public var name: String
    public var label: String
    /// `string`, `int`, `bool`, `choices`, `enum[site]`, `enum[queue]`, `list` (L10399), or anything else.
    public var type: String
    /// JSON key `default`. Nil when the definition gives none; `.null` when it gives `null`
    /// (the import workflows' `location` "Defaults to None", L12128).
    public var defaultValue: JSONValue?
    /// For `choices`: `{"label": ..., "value": ...}` objects; values are strings or integers (L10519).
    public var choices: [JSONValue]?
    /// Keys we do not interpret, kept so a definition round-trips (the ngclient example has `"value"`, L17806).
    public var extra: [String: JSONValue]

    public init(
        name: String, label: String, type: String, defaultValue: JSONValue? = nil, choices: [JSONValue]? = nil,
        extra: [String: JSONValue] = [:]
    ) {
        self.name = name
        self.label = label
        self.type = type
        self.defaultValue = defaultValue
        self.choices = choices
        self.extra = extra
    }

    /// The field types the manual defines (L10399).
    public static let knownTypes: Set<String> = ["string", "int", "bool", "choices", "enum[site]", "enum[queue]", "list"]

    /// The `value`s of `choices`.
    public var choiceValues: [JSONValue] { (choices ?? []).compactMap { $0["value"] } }

    /// The choice matching `value`, comparing `1` and `"1"` as equal because form posts send strings.
    /// Returns the choice's own value so the task gets the type the definition declared.
    public func matchingChoice(_ value: JSONValue) -> JSONValue? {
        choiceValues.first { Self.looselyEqual($0, value) }
    }

    static func looselyEqual(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        if lhs == rhs { return true }
        switch (lhs, rhs) {
        case (.int(let number), .string(let text)), (.string(let text), .int(let number)):
            return String(number) == text
        default:
            return false
        }
    }

    /// The API representation, keys as in the manual's examples.
    public var json: JSONValue {
        var object = extra
        object["name"] = .string(name)
        object["label"] = .string(label)
        object["type"] = .string(type)
        if let defaultValue { object["default"] = defaultValue }
        if let choices { object["choices"] = .array(choices) }
        return .object(object)
    }

    /// Parses one entry of `fields`, recording problems under `path` (e.g. `fields[2]`).
    static func parse(_ value: JSONValue, path: String, errors: inout ValidationErrors) -> WorkflowField? {
        guard case .object(let object) = value else {
            errors.add(path, Message.notObject(value))
            return nil
        }
        let reader = ObjectReader(object, path: path)
        let before = errors.count
        let name = reader.string("name", required: true, errors: &errors)
        if let name, name.contains(where: \.isWhitespace) {
            errors.add(reader.key("name"), "Field names may not contain whitespace.")
        }
        let label = reader.string("label", required: true, errors: &errors)
        let type = reader.string("type", required: true, errors: &errors)

        var choices: [JSONValue]?
        switch object["choices"] {
        case nil, .null?:
            if type == "choices" { errors.add(reader.key("choices"), "A choices field needs a list of choices.") }
        case .array(let items)?:
            if type == "choices" && items.isEmpty { errors.add(reader.key("choices"), Message.emptyList) }
            for (index, item) in items.enumerated() {
                let itemPath = "\(reader.key("choices"))[\(index)]"
                guard item.objectValue != nil else {
                    errors.add(itemPath, Message.notObject(item))
                    continue
                }
                switch item["value"] {
                case .string?, .int?: break
                case nil: errors.add("\(itemPath).value", Message.required)
                case _?: errors.add("\(itemPath).value", "Choice values must be strings or integers.")
                }
            }
            choices = items
        case let other?:
            errors.add(reader.key("choices"), Message.notList(other))
        }

        var extra = object
        for key in ["name", "label", "type", "default", "choices"] { extra[key] = nil }
        guard let name, let label, let type, errors.count == before else { return nil }
        var field = WorkflowField(
            name: name, label: label, type: type, defaultValue: object["default"], choices: choices, extra: extra)
        if let defaultValue = field.defaultValue, defaultValue != .null {
            if let message = field.defaultProblem(defaultValue) {
                errors.add(reader.key("default"), message)
                return nil
            }
            field.defaultValue = field.normalisedDefault(defaultValue)
        }
        return field
    }

    /// Why `value` cannot be this field's default, checked for the types whose values need no site
    /// knowledge (sites and queues are checked at submission).
    private func defaultProblem(_ value: JSONValue) -> String? {
        switch type {
        case "int": value.intValue == nil ? Message.notInt : nil
        case "bool": value.boolValue == nil ? Message.notBool : nil
        case "choices": matchingChoice(value) == nil ? Message.invalidChoice(value) : nil
        case "list": value.arrayValue == nil ? Message.notList(value) : nil
        case "string", "enum[site]", "enum[queue]": value.stringValue == nil ? Message.notString : nil
        default: nil
        }
    }

    /// `"5"` for an int field is stored as `5`, so the API shows the type the field declares.
    private func normalisedDefault(_ value: JSONValue) -> JSONValue {
        switch type {
        case "int": value.intValue.map { .int(Int64($0)) } ?? value
        case "bool": value.boolValue.map { .bool($0) } ?? value
        case "choices": matchingChoice(value) ?? value
        default: value
        }
    }

    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        var errors = ValidationErrors()
        guard let field = Self.parse(value, path: "field", errors: &errors) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: WorkflowValidationError(errors.fields).description))
        }
        self = field
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
