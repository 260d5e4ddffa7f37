/// A possibly schema-qualified SQL identifier (schema, table or column name), quoted safely.
///
/// For the rare statements where a name cannot be a parameter (`CREATE SCHEMA`, `COPY`, dynamic table
/// names). Each part is wrapped in double quotes with embedded quotes doubled, so any string becomes
/// exactly one identifier and can never end the identifier early. Quoted identifiers are
/// case-sensitive: `PostgresIdentifier("Jobs")` is not the table `jobs`.
/// Values must never go through this type: bind them as parameters.
public struct PostgresIdentifier: Hashable, Sendable, CustomStringConvertible {
    /// The unquoted parts, outermost first (`["schema", "table"]`).
    public let parts: [String]

    /// A single unqualified identifier.
    public init(_ name: String) { parts = [name] }

    /// A qualified identifier, e.g. `PostgresIdentifier(schema: "hub", name: "jobs")`.
    public init(schema: String, name: String) { parts = [schema, name] }

    /// The identifier ready to splice into SQL: `"schema"."ta""ble"`.
    /// A NUL character (which PostgreSQL cannot store) makes the statement fail when it is sent.
    public var quoted: String {
        parts.map { "\"" + $0.replacingAll("\"", with: "\"\"") + "\"" }.joined(separator: ".")
    }

    public var description: String { quoted }
}

extension String {
    /// Replaces every occurrence of a character (avoids Foundation for this hot, simple case).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var result = ""
        result.reserveCapacity(utf8.count + 8)
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
