import Foundation
import Postgres
import Shared

/// The two representations of a site (manual L21637-21925): the list's summary form (spaces as names)
/// and the detail form (spaces as objects, plus the batching, search and inode-scan settings).
enum SiteJSON {
    static func summary(_ row: PostgresRow, base: String) throws -> JSON {
        let id = try row.decode(Int64.self, "id")
        let spaces = try spaceList(row)
        return [
            "url": .string("\(base)/api/sites/\(id)/"), "id": .int(id),
            "name": .string(try row.decode(String.self, "name")),
            "shortcode": .string(try row.decode(String.self, "shortcode")),
            "label": .string(try row.decode(String.self, "label")),
            "am_i_configured": .bool(try row.decode(Bool.self, "am_i_configured")),
            "bandwidth": .int(try row.decode(Int64.self, "bandwidth")),
            "spaces": .array(spaces.map { .string($0.name) }),
            "type": .string(try row.decode(String.self, "type")),
            "directories_count": .int(try row.decode(Int64.self, "directories_count")),
            "files_count": .int(try row.decode(Int64.self, "files_count")),
            "files_hydrated_count": .int(try row.decode(Int64.self, "files_hydrated_count")),
            "files_stubbed_count": .int(try row.decode(Int64.self, "files_stubbed_count")),
            "editable": .bool(true),
            "public_url": JSON(try row.decode(String?.self, "public_url")),
            "color": JSON(try row.decodeJSON(JSONValue.self, "color_json")),
            "ready_to_configure": .bool(try row.decode(Bool.self, "ready_to_configure")),
            "timezone": .string(try row.decode(String.self, "timezone")),
            "iris_enabled": .bool(try row.decode(Bool.self, "iris_enabled")),
        ]
    }

    static func detail(_ row: PostgresRow, base: String) throws -> JSON {
        let id = try row.decode(Int64.self, "id")
        let spaces = try spaceList(row).map { space -> JSON in
            ["url": .string("\(base)/api/spaces/\(space.id)/"), "id": .int(space.id), "name": .string(space.name)]
        }
        let gigabytes = try row.decode(Double.self, "file_batch_gb")
        return [
            "url": .string("\(base)/api/sites/\(id)/"), "spaces": .array(spaces), "editable": .bool(true), "id": .int(id),
            "name": .string(try row.decode(String.self, "name")),
            "shortcode": .string(try row.decode(String.self, "shortcode")),
            "file_batch_size": .int(try row.decode(Int64.self, "file_batch_size")),
            "file_batch_gb": gigabytes.rounded() == gigabytes && abs(gigabytes) < 1e15 ? .int(Int64(gigabytes)) : .double(gigabytes),
            "enable_auto_file_batch_sizing": .bool(try row.decode(Bool.self, "enable_auto_file_batch_sizing")),
            "lock_threshold": .int(try row.decode(Int64.self, "lock_threshold")),
            "bandwidth": .int(try row.decode(Int64.self, "bandwidth")),
            "elasticsearch_url": JSON(try row.decode(String?.self, "elasticsearch_url")),
            "pixstor_search_url": JSON(try row.decode(String?.self, "pixstor_search_url")),
            "public_url": JSON(try row.decode(String?.self, "public_url")),
            "include": JSON(try row.decode(String?.self, "include_json").flatMap(decode) ?? .null),
            "exclude": JSON(try row.decode(String?.self, "exclude_json").flatMap(decode) ?? .null),
            "label": .string(try row.decode(String.self, "label")),
            "am_i_configured": .bool(try row.decode(Bool.self, "am_i_configured")),
            "type": .string(try row.decode(String.self, "type")),
            "color": JSON(try row.decodeJSON(JSONValue.self, "color_json")),
            "files_count": .int(try row.decode(Int64.self, "files_count")),
            "directories_count": .int(try row.decode(Int64.self, "directories_count")),
            "files_stubbed_count": .int(try row.decode(Int64.self, "files_stubbed_count")),
            "files_hydrated_count": .int(try row.decode(Int64.self, "files_hydrated_count")),
            "gpfs_iscan_buckets": JSON(try row.decode(Int?.self, "gpfs_iscan_buckets")),
            "gpfs_iscan_threads": JSON(try row.decode(Int?.self, "gpfs_iscan_threads")),
            "ready_to_configure": .bool(try row.decode(Bool.self, "ready_to_configure")),
            "timezone": .string(try row.decode(String.self, "timezone")),
            "iris_enabled": .bool(try row.decode(Bool.self, "iris_enabled")),
        ]
    }

    private struct Space: Decodable {
        var id: Int64
        var name: String
    }

    private static func spaceList(_ row: PostgresRow) throws -> [Space] {
        try WireCoding.decode([Space].self, from: Array(try row.decode(String.self, "spaces_json").utf8))
    }

    private static func decode(_ text: String) -> JSONValue? {
        try? WireCoding.decode(JSONValue.self, from: Array(text.utf8))
    }
}
