import Foundation
import Postgres
import Shared

/// Key/value settings: a site's own (`site_settings`, as the site reported them) and the global ones
/// (`settings`, pushed to every site). Keys are `section:key[:...]` (manual L22145-22218).
enum SiteSettingsStore {
    /// What a secret value is shown as (L22160).
    static let mask = JSONValue.string("*****")

    /// Keys whose values are credentials: never shown by the API, never logged. The manual marks them only
    /// by example (`AccessKeyId`, `SecretAccessKey`, `monitoring:auth:...`), so the rule is by name.
    static func isSecret(_ key: String) -> Bool {
        let lower = key.lowercased()
        return ["secret", "password", "accesskey", "token", "credential", ":auth:"].contains { lower.contains($0) }
    }

    /// `value` with the values of secret keys masked: a settings task's kwargs (`values`) or output
    /// (`value` entries), as the API shows them.
    static func masked(_ value: JSONValue) -> JSONValue {
        guard case .object(var object) = value else { return value }
        if case .object(var values)? = object["values"] {
            for key in values.keys where isSecret(key) { values[key] = mask }
            object["values"] = .object(values)
        }
        if case .object(var entries)? = object["value"] {
            for key in entries.keys where isSecret(key) {
                if case .object(var entry)? = entries[key], entry["value"] != nil, entry["value"] != .null {
                    entry["value"] = mask
                    entries[key] = .object(entry)
                }
            }
            object["value"] = .object(entries)
        }
        return .object(object)
    }

    /// A well-formed key: two or more `:`-separated parts of letters, digits, `_`, `-`, `.`.
    static func isValidKey(_ key: String) -> Bool {
        key.count <= 255 && key.range(of: "^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)+$", options: .regularExpression) != nil
    }

    /// Records values a site reported; null deletes a key; `replace` drops keys the site no longer has.
    static func record(_ values: [String: JSONValue], site: String, replace: Bool, on conn: PostgresConnection) throws {
        guard let siteID = try conn.query("SELECT id FROM sites WHERE name = $1", [.string(site)]).decodeColumn(Int64.self, "id").first
        else { return }
        if replace {
            try conn.execute(
                "DELETE FROM site_settings WHERE site_id = $1 AND NOT (key = ANY($2::text[]))",
                [.int64(siteID), .array(Array(values.keys))])
        }
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            if value == .null {
                try conn.execute("DELETE FROM site_settings WHERE site_id = $1 AND key = $2", [.int64(siteID), .string(key)])
            } else if value == mask {
                // The site hid a secret: keep what we know; a new one is recorded as a secret (shown masked).
                try conn.execute(
                    "INSERT INTO site_settings (site_id, key, value, secret) VALUES ($1, $2, $3, true) ON CONFLICT (site_id, key) DO NOTHING",
                    [.int64(siteID), .string(key), try .json(encoding: value)])
            } else {
                try conn.execute(
                    """
                    INSERT INTO site_settings (site_id, key, value, secret) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (site_id, key) DO UPDATE SET value = EXCLUDED.value, secret = EXCLUDED.secret
                    """, [.int64(siteID), .string(key), try .json(encoding: value), .bool(isSecret(key))])
            }
        }
    }

    /// `{id, key, value, desc}` with secrets masked.
    static func json(_ row: PostgresRow) throws -> JSON {
        let secret = try row.decode(Bool.self, "secret")
        return [
            "id": .int(try row.decode(Int64.self, "id")), "key": .string(try row.decode(String.self, "key")),
            "value": JSON(secret ? mask : try row.decodeJSON(JSONValue.self, "value")),
            "desc": .string(try row.decode(String?.self, "description") ?? "Description not specified"),
        ]
    }

    /// The `values` list of a settings PATCH: `[{key, value}]`, every key well-formed.
    static func parseValues(_ body: JSONValue) throws -> [(String, JSONValue)] {
        guard case .object(let object) = body, case .array(let items)? = object["values"] else {
            throw APIError.invalid("values", "Expected a list of {\"key\": ..., \"value\": ...} objects.")
        }
        var result: [(String, JSONValue)] = []
        for (index, item) in items.enumerated() {
            guard case .object(let entry) = item, case .string(let key)? = entry["key"] else {
                throw APIError.invalid("values", "Item \(index): expected an object with a string \"key\".")
            }
            guard isValidKey(key) else {
                throw APIError.invalid("values", "Item \(index): \"\(key)\" is not a setting key (section:key).")
            }
            result.append((key, entry["value"] ?? .null))
        }
        return result
    }
}
