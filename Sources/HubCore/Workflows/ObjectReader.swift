import Shared

/// Typed reads from one JSON object that record a DRF-style message and carry on, instead of
/// throwing at the first problem: definitions and submissions report every problem at once.
struct ObjectReader {
    let object: [String: JSONValue]
    /// Where this object sits in the body (`""` at the top, `filter_rules[0]` inside), for error keys.
    let path: String

    init(_ object: [String: JSONValue], path: String = "") {
        self.object = object
        self.path = path
    }

    func key(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    /// A string; blank strings are refused unless `allowBlank` (a blank name or site is never meant).
    func string(_ name: String, required: Bool, allowBlank: Bool = false, errors: inout ValidationErrors) -> String? {
        switch object[name] {
        case nil:
            if required { errors.add(key(name), Message.required) }
            return nil
        case .null?:
            if required { errors.add(key(name), Message.null) }
            return nil
        case .string(let text)?:
            if !allowBlank && text.allSatisfy(\.isWhitespace) {
                errors.add(key(name), Message.blank)
                return nil
            }
            return text
        case _?:
            errors.add(key(name), Message.notString)
            return nil
        }
    }

    /// A boolean, or `fallback` when absent or null (the manual's examples write `true`, some clients "true").
    func bool(_ name: String, fallback: Bool, errors: inout ValidationErrors) -> Bool {
        optionalBool(name, errors: &errors) ?? fallback
    }

    func optionalBool(_ name: String, errors: inout ValidationErrors) -> Bool? {
        guard let value = object[name], value != .null else { return nil }
        guard let flag = value.boolValue else {
            errors.add(key(name), Message.notBool)
            return nil
        }
        return flag
    }

    /// A list of strings, nil when absent or null.
    func stringList(_ name: String, errors: inout ValidationErrors) -> [String]? {
        guard let value = object[name], value != .null else { return nil }
        guard case .array(let items) = value else {
            errors.add(key(name), Message.notList(value))
            return nil
        }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            if case .string(let text) = item {
                result.append(text)
            } else {
                errors.add("\(key(name))[\(index)]", Message.notString)
            }
        }
        return result
    }

    /// An object, nil when absent or null.
    func object(_ name: String, errors: inout ValidationErrors) -> [String: JSONValue]? {
        guard let value = object[name], value != .null else { return nil }
        guard case .object(let dict) = value else {
            errors.add(key(name), Message.notObject(value))
            return nil
        }
        return dict
    }
}
