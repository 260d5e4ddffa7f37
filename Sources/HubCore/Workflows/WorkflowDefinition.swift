import Shared

/// A workflow as `/api/workflows/` stores it (L10305-10751, API L25192-25229): its runtime fields and
/// the filter rules that turn discovered paths into chains of steps.
public struct WorkflowDefinition: Sendable, Hashable, Codable {
    /// Unique, without whitespace: it is the key clients submit by (L10316).
    public var name: String
    public var label: String
    /// CSS classes of the UI icon (L10318).
    public var iconClasses: [String]
    /// Default discovery: `recursive`, `snapdiff`, `bidirectional_snapdiff`, or nil for none (L10325, L10667).
    public var discovery: String?
    /// Options for the default discovery only (L10751).
    public var discoveryOptions: [String: JSONValue]
    /// "Is the workflow available for use?" (L25222).
    public var enabled: Bool
    /// Shown in the UI (L25223).
    public var visible: Bool
    /// Only callable from a schedule (L25224).
    public var scheduleOnly: Bool
    /// Only applicable to external targets (L25225).
    public var externalOnly: Bool
    /// Queue used when neither the step nor the submission names one (L25229).
    public var preferredQueue: String?
    public var fields: [WorkflowField]
    public var filterRules: [FilterRule]

    public init(
        name: String, label: String, iconClasses: [String] = [], discovery: String? = nil,
        discoveryOptions: [String: JSONValue] = [:], enabled: Bool = true, visible: Bool = true,
        scheduleOnly: Bool = false, externalOnly: Bool = false, preferredQueue: String? = nil,
        fields: [WorkflowField] = [], filterRules: [FilterRule]
    ) {
        self.name = name
        self.label = label
        self.iconClasses = iconClasses
        self.discovery = discovery
        self.discoveryOptions = discoveryOptions
        self.enabled = enabled
        self.visible = visible
        self.scheduleOnly = scheduleOnly
        self.externalOnly = externalOnly
        self.preferredQueue = preferredQueue
        self.fields = fields
        self.filterRules = filterRules
    }

    /// The keys a PATCH may change (L25445-25457); `name` and `external_only` are fixed at creation.
    public static let patchableKeys: Set<String> = [
        "label", "icon_classes", "discovery", "enabled", "visible", "schedule_only", "fields", "filter_rules",
        "discovery_options", "preferred_queue",
    ]

    public func field(named name: String) -> WorkflowField? {
        fields.first { $0.name == name }
    }

    /// Whether submissions give remote object paths (`projects/`) instead of absolute local paths:
    /// true when every rule starts with an import from an external target (L12372, L12388, L12403).
    public var takesRemoteObjectPaths: Bool {
        !filterRules.isEmpty
            && filterRules.allSatisfy { rule in
                rule.action.first.map { KnownTasks.remoteObjectPathTasks.contains($0.name) } ?? false
            }
    }

    /// Parses a create (POST) body.
    ///
    /// Lenient where the manual's own examples are loose: `action` as one object (Example 9), the
    /// legacy `icon` HTML (Example 7, ignored), `pre_migrate`, type aliases `link`/`folder`.
    /// `icon_classes` and `fields` default to `[]` when absent: the API's POST table says so
    /// (L25218, L25226) and Examples 7 and 9 omit `icon_classes`, although L10313-10320 lists both as required.
    /// Strict on everything a job would trip over later, reporting every problem at once.
    public static func parse(_ body: [String: JSONValue]) throws(WorkflowValidationError) -> WorkflowDefinition {
        var errors = ValidationErrors()
        let definition = parse(body, errors: &errors)
        try errors.check()
        guard let definition else { throw WorkflowValidationError(field: "non_field_errors", "Invalid workflow.") }
        return definition
    }

    /// A PATCH: only the keys of `patchableKeys` change; `fields` and `filter_rules` are replaced whole
    /// (L17687); a `name` or `external_only` that differs is refused; other keys (such as `id`) are ignored.
    public func patched(with body: [String: JSONValue]) throws(WorkflowValidationError) -> WorkflowDefinition {
        var errors = ValidationErrors()
        if let newName = body["name"], newName != .string(name) {
            errors.add("name", "This field cannot be changed.")
        }
        if let newExternal = body["external_only"], newExternal.boolValue != externalOnly {
            errors.add("external_only", "This field cannot be changed.")
        }
        var merged = json.objectValue ?? [:]
        for (key, value) in body where Self.patchableKeys.contains(key) {
            merged[key] = value
        }
        let definition = Self.parse(merged, errors: &errors)
        try errors.check()
        guard let definition else { throw WorkflowValidationError(field: "non_field_errors", "Invalid workflow.") }
        return definition
    }

    /// The API representation, snake_case keys as in the manual (L25081-25129).
    public var json: JSONValue {
        .object([
            "name": .string(name),
            "label": .string(label),
            "icon_classes": .array(iconClasses.map(JSONValue.string)),
            "discovery": discovery.map(JSONValue.string) ?? .null,
            "discovery_options": .object(discoveryOptions),
            "enabled": .bool(enabled),
            "visible": .bool(visible),
            "schedule_only": .bool(scheduleOnly),
            "external_only": .bool(externalOnly),
            "preferred_queue": preferredQueue.map(JSONValue.string) ?? .null,
            "fields": .array(fields.map(\.json)),
            "filter_rules": .array(filterRules.map(\.json)),
        ])
    }

    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        guard case .object(let body) = value else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an object"))
        }
        do {
            self = try Self.parse(body)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
