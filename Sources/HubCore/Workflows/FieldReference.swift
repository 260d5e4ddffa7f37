import Shared

/// `"*name"` in an action step: the value of runtime field `name` (L10431, L10521).
///
/// A string is a reference when the text after `*` names a declared field, or looks like a field
/// name (letters, digits, `_`). So `"*.tmp"` in a kwarg stays a literal glob, while a misspelt
/// `"*targt_site"` is caught as a reference to a field that does not exist.
enum FieldReference {
    static func name(in text: String, declared: Set<String>) -> String? {
        guard text.hasPrefix("*") else { return nil }
        let name = String(text.dropFirst())
        if declared.contains(name) { return name }
        guard let first = name.unicodeScalars.first, first == "_" || isLetter(first) else { return nil }
        return name.unicodeScalars.allSatisfy { $0 == "_" || isLetter($0) || ("0"..."9").contains($0) } ? name : nil
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    /// Every field name referenced anywhere inside `value` (arrays and objects included).
    static func names(in value: JSONValue, declared: Set<String>) -> [String] {
        switch value {
        case .string(let text): name(in: text, declared: declared).map { [$0] } ?? []
        case .array(let items): items.flatMap { names(in: $0, declared: declared) }
        case .object(let object): object.keys.sorted().flatMap { names(in: object[$0, default: .null], declared: declared) }
        default: []
        }
    }
}
