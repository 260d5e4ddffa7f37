import Shared

/// Substitutes `*field` references in one action step and decides its site and queue.
struct StepSubstitution {
    let request: SubmissionRequest
    let definition: WorkflowDefinition
    let context: SubmissionContext
    let values: [String: JSONValue]
    /// Fields whose submitted value was refused: already reported, not to be reported again as missing.
    let invalid: Set<String>
    let declared: Set<String>
    var errors = ValidationErrors()

    init(
        request: SubmissionRequest, definition: WorkflowDefinition, context: SubmissionContext,
        values: [String: JSONValue], invalid: Set<String>
    ) {
        self.request = request
        self.definition = definition
        self.context = context
        self.values = values
        self.invalid = invalid
        self.declared = Set(definition.fields.map(\.name))
    }

    private mutating func reportMissing(_ field: String) {
        if !invalid.contains(field) { errors.add("fields.\(field)", Message.required) }
    }

    /// The queue a step runs on when it names none: the submission's, else the workflow's preferred,
    /// else `default` (L10358); on a site that lacks it, `default` (L10094).
    func inheritedQueue(on site: String) -> String {
        let queue = request.queue ?? definition.preferredQueue ?? "default"
        return context.accepts(queue: queue, on: site) ? queue : "default"
    }

    mutating func resolve(_ step: ActionStep) -> ResolvedStep? {
        let before = errors.count
        var site = request.site
        if let text = step.site, let chosen = name(text, role: "site") {
            site = chosen.value ?? request.site
            // The submission's own site was checked once already.
            if site != request.site && !context.sites.contains(site) {
                let key = chosen.field.map { "fields.\($0)" } ?? "workflow"
                errors.add(key, "Unknown site '\(site)' for step \(step.name).")
            }
        }
        var queue = inheritedQueue(on: site)
        if let text = step.queue, let chosen = name(text, role: "queue"), let explicit = chosen.value {
            // A queue the step names must exist on its site (L10358).
            if context.accepts(queue: explicit, on: site) {
                queue = explicit
            } else {
                let key = chosen.field.map { "fields.\($0)" } ?? "workflow"
                errors.add(key, "Queue '\(explicit)' does not exist on site '\(site)' for step \(step.name).")
            }
        }
        var kwargs: [String: JSONValue] = [:]
        for (key, value) in step.kwargs {
            kwargs[key] = substitute(value)
        }
        guard errors.count == before else { return nil }
        return ResolvedStep(task: step.name, site: site, queue: queue, kwargs: kwargs)
    }

    /// A site or queue name, literal or from a field. `value` nil means "not set": the field holds
    /// null (an optional destination queue), so the step inherits. Nil overall after an error.
    private mutating func name(_ text: String, role: String) -> (field: String?, value: String?)? {
        guard let field = FieldReference.name(in: text, declared: declared) else { return (nil, text) }
        switch values[field] {
        case nil:
            reportMissing(field)
            return nil
        case .null?:
            return (field, nil)
        case .string(let value)?:
            return (field, value)
        case _?:
            errors.add("fields.\(field)", "Expected a \(role) name.")
            return nil
        }
    }

    /// `value` with every `"*field"` string inside it replaced by the field's value.
    private mutating func substitute(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text):
            guard let field = FieldReference.name(in: text, declared: declared) else { return value }
            guard let replacement = values[field] else {
                reportMissing(field)
                return value
            }
            return replacement
        case .array(let items):
            return .array(items.map { substitute($0) })
        case .object(let object):
            return .object(object.mapValues { substitute($0) })
        default:
            return value
        }
    }
}
