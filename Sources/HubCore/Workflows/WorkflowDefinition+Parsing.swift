import Shared

extension WorkflowDefinition {
    /// The discovery names a workflow or a submission may choose (L10711-10713, L10817).
    /// Discoveries a workflow may name: not the hub-only `policy` one (its options are a policy file).
    public static let discoveryNames: Set<String> = Set(KnownTasks.discoveryTasks.keys).subtracting([KnownTasks.policyDiscovery])

    /// Parses a definition body, recording every problem in `errors`; nil when any was found.
    static func parse(_ body: [String: JSONValue], errors: inout ValidationErrors) -> WorkflowDefinition? {
        let reader = ObjectReader(body)
        let before = errors.count
        let name = reader.string("name", required: true, errors: &errors)
        if let name, name.contains(where: \.isWhitespace) {
            errors.add("name", "Workflow names may not contain whitespace.")
        }
        let label = reader.string("label", required: true, errors: &errors)
        let iconClasses = reader.stringList("icon_classes", errors: &errors) ?? []
        let discovery = parseDiscovery(body["discovery"], errors: &errors)
        let discoveryOptions = reader.object("discovery_options", errors: &errors) ?? [:]
        let enabled = reader.bool("enabled", fallback: true, errors: &errors)
        let visible = reader.bool("visible", fallback: true, errors: &errors)
        let scheduleOnly = reader.bool("schedule_only", fallback: false, errors: &errors)
        let externalOnly = reader.bool("external_only", fallback: false, errors: &errors)
        let preferredQueue = reader.string("preferred_queue", required: false, allowBlank: true, errors: &errors)

        let fieldsBefore = errors.count
        let fields = parseFields(body["fields"], errors: &errors)
        let fieldsValid = errors.count == fieldsBefore
        let rules = parseRules(body["filter_rules"], errors: &errors)
        if let rules, fieldsValid {
            checkReferences(rules: rules, declared: Set(fields.map(\.name)), errors: &errors)
        }
        guard let name, let label, let rules, errors.count == before else { return nil }
        return WorkflowDefinition(
            name: name, label: label, iconClasses: iconClasses, discovery: discovery,
            discoveryOptions: discoveryOptions, enabled: enabled, visible: visible, scheduleOnly: scheduleOnly,
            externalOnly: externalOnly, preferredQueue: preferredQueue?.isEmpty == true ? nil : preferredQueue,
            fields: fields, filterRules: rules)
    }

    private static func parseDiscovery(_ value: JSONValue?, errors: inout ValidationErrors) -> String? {
        switch value {
        case nil, .null?:
            return nil
        case .string(let text)?:
            if !discoveryNames.contains(text) {
                errors.add("discovery", Message.invalidDiscovery(text))
            }
            return text
        case _?:
            errors.add("discovery", Message.notString)
            return nil
        }
    }

    private static func parseFields(_ value: JSONValue?, errors: inout ValidationErrors) -> [WorkflowField] {
        guard let value else { return [] }
        guard case .array(let items) = value else {
            errors.add("fields", value == .null ? Message.null : Message.notList(value))
            return []
        }
        var fields: [WorkflowField] = []
        var seen: Set<String> = []
        for (index, item) in items.enumerated() {
            guard let field = WorkflowField.parse(item, path: "fields[\(index)]", errors: &errors) else { continue }
            if !seen.insert(field.name).inserted {
                errors.add("fields[\(index)].name", "Duplicate field name '\(field.name)'.")
            }
            fields.append(field)
        }
        return fields
    }

    private static func parseRules(_ value: JSONValue?, errors: inout ValidationErrors) -> [FilterRule]? {
        guard let value else {
            errors.add("filter_rules", Message.required)
            return nil
        }
        guard case .array(let items) = value else {
            errors.add("filter_rules", value == .null ? Message.null : Message.notList(value))
            return nil
        }
        // A workflow without rules would run discovery and then do nothing with what it found.
        if items.isEmpty {
            errors.add("filter_rules", Message.emptyList)
            return nil
        }
        let before = errors.count
        let rules = items.enumerated().compactMap { index, item in
            FilterRule.parse(item, path: "filter_rules[\(index)]", errors: &errors)
        }
        // "Rule sets cannot have both default and all rules within them" (L10345).
        if rules.contains(where: { $0.state == FilterRule.allState })
            && rules.contains(where: { $0.state == FilterRule.defaultState })
        {
            errors.add("filter_rules", "A rule set cannot contain both default and all rules.")
        }
        return errors.count == before ? rules : nil
    }

    /// A `*name` that names no field could never be satisfied at submission, so it is refused here.
    private static func checkReferences(rules: [FilterRule], declared: Set<String>, errors: inout ValidationErrors) {
        for (ruleIndex, rule) in rules.enumerated() {
            for (stepIndex, step) in rule.action.enumerated() {
                let path = "filter_rules[\(ruleIndex)].action[\(stepIndex)]"
                var values: [(String, JSONValue)] = step.kwargs.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                if let site = step.site { values.append(("site", .string(site))) }
                if let queue = step.queue { values.append(("queue", .string(queue))) }
                for (key, value) in values {
                    for name in FieldReference.names(in: value, declared: declared) where !declared.contains(name) {
                        errors.add("\(path).\(key)", "Unknown field '\(name)': declare it in fields.")
                    }
                }
            }
        }
    }
}
