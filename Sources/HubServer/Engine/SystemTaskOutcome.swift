import Foundation
import Postgres
import Shared

/// What the hub does with a system task's answer, in the transaction that records its result, so the
/// answer is stored exactly once with the task's final state.
enum SystemTaskOutcome {
    static let inventory = "dynamo.tasks.site_inventory"
    static let readSettings = "dynamo.tasks.get_config_for_keys"
    static let applySettings = "dynamo.tasks.set_config_and_apply"

    /// The answer kept in `tasks.output`.
    static func output(of result: TaskResult) throws -> JSONValue? {
        // Settings outputs are kept (and shown by /api/settingstasks/) with secret values masked.
        if let output = result.output { return SiteSettingsStore.masked(output) }
        guard let inventory = result.inventory else { return nil }
        return try WireCoding.decode(JSONValue.self, from: Array(try WireCoding.encoder().encode(inventory)))
    }

    static func apply(task: Int64, name: String, site: String, result: TaskResult, on conn: PostgresConnection) throws {
        guard result.error == nil else { return }
        switch name {
        case inventory:
            if let inventory = result.inventory { try InventoryStore.store(inventory, site: site, on: conn) }
        case readSettings, applySettings:
            // `{"value": {key: {value, is_set, schema_key}}, "status", ...}` (manual L24668-24810): reading
            // gives every setting the site has (so keys it no longer has go), applying the ones it changed.
            guard case .object(let output)? = result.output, case .object(let reported)? = output["value"] else { return }
            var values: [String: JSONValue] = [:]
            for (key, entry) in reported {
                guard case .object(let fields) = entry else { continue }
                values[key] = fields["is_set"] == .bool(false) ? .null : (fields["value"] ?? .null)
            }
            try SiteSettingsStore.record(values, site: site, replace: name == readSettings, on: conn)
        default:
            break
        }
    }
}
