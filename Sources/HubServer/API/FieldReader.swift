import Foundation
import HubCore
import Shared

/// Reads a JSON object's fields one by one the way DRF serializers validate: unknown keys are ignored,
/// a wrong type or a missing required field is recorded under the field's name with DRF's message, and
/// `validate()` throws them all at once as a 400.
///
/// Getters return nil when the key is absent, null or invalid; use `isNull` / `has` to tell them apart
/// where it matters (PATCH leaves absent fields unchanged, `null` clears a nullable one).
struct FieldReader {
    let object: [String: JSONValue]
    private(set) var errors: [String: APIError.JSONBody] = [:]

    init(_ value: JSONValue) throws {
        guard case .object(let object) = value else {
            throw APIError(fields: [
                "non_field_errors": ["Invalid data. Expected a dictionary, but got \(Self.pythonType(value))."]
            ])
        }
        self.object = object
    }

    init(object: [String: JSONValue]) { self.object = object }

    func has(_ key: String) -> Bool { object[key] != nil }
    func isNull(_ key: String) -> Bool { object[key] == .null }

    mutating func fail(_ key: String, _ message: String) {
        if case .messages(let existing) = errors[key] {
            errors[key] = .messages(existing + [message])
        } else {
            errors[key] = .messages([message])
        }
    }

    mutating func fail(_ key: String, nested: [String: [String]]) { errors[key] = .nested(nested) }

    /// Throws the collected errors, if any, as 400 field -> messages.
    func validate() throws {
        if !errors.isEmpty { throw APIError(fieldErrors: errors) }
    }

    /// Present, non-null value of `key`, or nil after recording "required" / "may not be null".
    private mutating func value(_ key: String, required: Bool, nullable: Bool) -> JSONValue? {
        guard let value = object[key] else {
            if required { fail(key, "This field is required.") }
            return nil
        }
        if value == .null {
            if !nullable { fail(key, "This field may not be null.") }
            return nil
        }
        return value
    }

    mutating func string(
        _ key: String, required: Bool = false, nullable: Bool = false, allowBlank: Bool = true, maxLength: Int? = nil,
        trim: Bool = true
    ) -> String? {
        guard let value = value(key, required: required, nullable: nullable) else { return nil }
        guard case .string(var text) = value else {
            fail(key, "Not a valid string.")
            return nil
        }
        if trim { text = text.trimmingCharacters(in: .whitespacesAndNewlines) }
        if text.isEmpty && !allowBlank {
            fail(key, "This field may not be blank.")
            return nil
        }
        if let maxLength, text.count > maxLength {
            fail(key, "Ensure this field has no more than \(maxLength) characters.")
            return nil
        }
        return text
    }

    /// A secret (password): never trimmed, never echoed in a message.
    mutating func secret(_ key: String, required: Bool = false, maxLength: Int = 4096) -> String? {
        string(key, required: required, allowBlank: false, maxLength: maxLength, trim: false)
    }

    mutating func int(_ key: String, required: Bool = false, nullable: Bool = false) -> Int? {
        guard let value = value(key, required: required, nullable: nullable) else { return nil }
        switch value {
        case .int(let number): if let result = Int(exactly: number) { return result }
        case .double(let number): if let result = Int(exactly: number) { return result }
        default: break
        }
        fail(key, "A valid integer is required.")
        return nil
    }

    mutating func bool(_ key: String, required: Bool = false, nullable: Bool = false) -> Bool? {
        guard let value = value(key, required: required, nullable: nullable) else { return nil }
        guard case .bool(let flag) = value else {
            fail(key, "Must be a valid boolean.")
            return nil
        }
        return flag
    }

    /// A list; `element` converts each item or returns a message for it.
    mutating func list<T>(
        _ key: String, required: Bool = false, element: (JSONValue) -> Result<T, ListItemError>
    ) -> [T]? {
        guard let value = value(key, required: required, nullable: false) else { return nil }
        guard case .array(let items) = value else {
            fail(key, "Expected a list of items but got type \"\(Self.pythonType(value))\".")
            return nil
        }
        var result: [T] = []
        var messages: [String] = []
        for item in items {
            switch element(item) {
            case .success(let converted): result.append(converted)
            case .failure(let error): messages.append(error.message)
            }
        }
        if !messages.isEmpty {
            for message in messages { fail(key, message) }
            return nil
        }
        return result
    }

    mutating func stringList(_ key: String, required: Bool = false) -> [String]? {
        list(key, required: required) { item in
            if case .string(let text) = item { return .success(text) }
            return .failure(ListItemError("Not a valid string."))
        }
    }

    mutating func intList(_ key: String, required: Bool = false) -> [Int]? {
        list(key, required: required) { item in
            if case .int(let number) = item, let value = Int(exactly: number) { return .success(value) }
            return .failure(ListItemError("Incorrect type. Expected pk value, received \(Self.pythonType(item))."))
        }
    }

    /// A nested object, or nil (absent, null, or not an object: recorded).
    mutating func object(_ key: String, required: Bool = false, nullable: Bool = false) -> FieldReader? {
        guard let value = value(key, required: required, nullable: nullable) else { return nil }
        guard case .object(let members) = value else {
            fail(key, "Expected a dictionary of items but got type \"\(Self.pythonType(value))\".")
            return nil
        }
        return FieldReader(object: members)
    }

    /// The JSON type's name as DRF (Python) words it in messages.
    static func pythonType(_ value: JSONValue) -> String { value.pythonTypeName }
}

/// Why one element of a list field is invalid.
struct ListItemError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// A field of a partial update: absent (leave unchanged), null (clear), or a value.
enum Field<Value: Sendable>: Sendable {
    case absent
    case null
    case value(Value)

    /// The stored value after applying this change.
    func applied(to current: Value?) -> Value? {
        switch self {
        case .absent: current
        case .null: nil
        case .value(let value): value
        }
    }

    var isAbsent: Bool {
        if case .absent = self { return true }
        return false
    }
}

extension Field: Equatable where Value: Equatable {}

extension FieldReader {
    /// A nullable string as a partial-update field (wrong types are recorded and read as absent).
    mutating func nullableString(_ key: String, maxLength: Int? = nil) -> Field<String> {
        guard has(key) else { return .absent }
        if isNull(key) { return .null }
        return string(key, maxLength: maxLength).map(Field.value) ?? .absent
    }

    /// A nullable integer as a partial-update field.
    mutating func nullableInt(_ key: String) -> Field<Int> {
        guard has(key) else { return .absent }
        if isNull(key) { return .null }
        return int(key).map(Field.value) ?? .absent
    }
}
