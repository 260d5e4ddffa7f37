import Foundation
import HubCore
import Shared

/// A site's writable fields from a POST or PATCH body (manual L21755-21989, L11313-11381), validated:
/// every problem is named by its field. Keys the API does not know are rejected too, so that a misspelt
/// setting (`file_batch_sise`) is not silently ignored; read-only keys a client echoes back are ignored.
struct SiteInput {
    /// Column values to write, by column name.
    var columns: [(String, SiteValue)] = []
    /// Space names to link, when given.
    var spaces: [String]?
    /// A PATCH's `name`: accepted only when it is the site's current name (checked by the store).
    var renamedTo: String?

    static let readOnly: Set<String> = ["id", "url", "editable"]

    init(_ body: JSONValue, creating: Bool) throws {
        var reader = try FieldReader(body)
        for key in reader.object.keys.sorted() where !Self.writable.contains(key) && !Self.readOnly.contains(key) {
            reader.fail(key, "Unknown field.")
        }
        if let name = reader.string("name", required: creating, allowBlank: false, maxLength: 255) {
            if !creating {
                // Workers, queue names, jobs and schedules refer to a site by name: it is fixed at creation.
                renamedTo = name
            } else if name.range(of: "^[a-zA-Z0-9_-]+$", options: .regularExpression) == nil {
                reader.fail("name", "Enter a valid name: letters, numbers, underscores or hyphens.")
            } else {
                columns.append(("name", .text(name)))
            }
        }
        if let code = reader.string("shortcode", required: creating, allowBlank: false, maxLength: 3) {
            columns.append(("shortcode", .text(code)))
        }
        for key in ["label", "type"] {
            if let text = reader.string(key, maxLength: 255) { columns.append((key, .text(text))) }
        }
        if let zone = reader.string("timezone", allowBlank: false, maxLength: 64) {
            if TimeZone(identifier: zone) == nil {
                reader.fail("timezone", "\"\(zone)\" is not a known time zone (an IANA name such as Europe/London).")
            } else {
                columns.append(("timezone", .text(zone)))
            }
        }
        for key in ["public_url", "elasticsearch_url", "pixstor_search_url"] {
            switch reader.nullableString(key, maxLength: 2048) {
            case .absent: break
            case .null: columns.append((key, .null))
            case .value(let text):
                if key == "public_url", !text.isEmpty, !(text.hasPrefix("http://") || text.hasPrefix("https://")) {
                    reader.fail(key, "Enter a valid URL (http:// or https://).")
                } else {
                    columns.append((key, .text(text)))
                }
            }
        }
        Self.integer(&reader, "file_batch_size", min: 1, into: &columns)
        Self.integer(&reader, "bandwidth", min: 0, into: &columns)
        Self.integer(&reader, "lock_threshold", min: 0, into: &columns)
        for key in ["files_count", "directories_count", "files_hydrated_count", "files_stubbed_count"] {
            Self.integer(&reader, key, min: 0, into: &columns)
        }
        for key in ["gpfs_iscan_buckets", "gpfs_iscan_threads"] {
            if reader.isNull(key) { columns.append((key, .null)) } else { Self.integer(&reader, key, min: 1, into: &columns) }
        }
        if reader.has("file_batch_gb") {
            switch reader.object["file_batch_gb"] {
            case .int(let number) where number > 0: columns.append(("file_batch_gb", .number(Double(number))))
            case .double(let number) where number > 0 && number.isFinite: columns.append(("file_batch_gb", .number(number)))
            case .int, .double: reader.fail("file_batch_gb", "Ensure this value is greater than 0.")
            default: reader.fail("file_batch_gb", "A valid number is required.")
            }
        }
        for key in ["enable_auto_file_batch_sizing", "am_i_configured", "ready_to_configure", "iris_enabled"] {
            if let flag = reader.bool(key) { columns.append((key, .flag(flag))) }
        }
        for key in ["include", "exclude"] {
            if reader.isNull(key) {
                columns.append((key, .json(.null)))
            } else if let patterns = reader.stringList(key) {
                if patterns.contains(where: \.isEmpty) {
                    reader.fail(key, "Patterns may not be blank.")
                } else {
                    columns.append((key, .json(.array(patterns.map(JSONValue.string)))))
                }
            }
        }
        if let color = reader.intList("color") {
            if color.count != 3 || color.contains(where: { !(0...255).contains($0) }) {
                reader.fail("color", "Expected three integers between 0 and 255 (red, green, blue).")
            } else {
                columns.append(("color", .json(.array(color.map { .int(Int64($0)) }))))
            }
        }
        // Names, or the detail form's `{id, name, url}` objects echoed back.
        spaces = reader.list("spaces") { item in
            switch item {
            case .string(let name): return .success(name)
            case .object(let object): if case .string(let name)? = object["name"] { return .success(name) }
            default: break
            }
            return .failure(ListItemError("Expected a space name."))
        }
        try reader.validate()
    }

    private static func integer(_ reader: inout FieldReader, _ key: String, min: Int, into columns: inout [(String, SiteValue)]) {
        guard let number = reader.int(key) else { return }
        if number < min || number > 2_147_483_647 {
            reader.fail(key, number < min ? "Ensure this value is greater than or equal to \(min)." : "Ensure this value is less than or equal to 2147483647.")
        } else {
            columns.append((key, .integer(number)))
        }
    }

    static let writable: Set<String> = [
        "name", "shortcode", "label", "type", "timezone", "public_url", "elasticsearch_url", "pixstor_search_url",
        "file_batch_size", "file_batch_gb", "enable_auto_file_batch_sizing", "bandwidth", "lock_threshold",
        "files_count", "directories_count", "files_hydrated_count", "files_stubbed_count", "gpfs_iscan_buckets",
        "gpfs_iscan_threads", "am_i_configured", "ready_to_configure", "iris_enabled", "include", "exclude", "color",
        "spaces",
    ]
}

/// One column value of a site write.
enum SiteValue {
    case text(String)
    case integer(Int)
    case number(Double)
    case flag(Bool)
    case json(JSONValue)
    case null
}
