import Shared

/// Effective runtime field values of a submission: the user's value wins, else the field's default
/// (L10429); each is checked and normalised by the field's type (L10399).
enum SubmissionFieldValues {
    /// The valid values, and the names of the fields whose value was refused (already reported, so a
    /// step referencing one does not report it again as missing).
    static func resolve(
        _ request: SubmissionRequest, definition: WorkflowDefinition, context: SubmissionContext,
        errors: inout ValidationErrors
    ) -> (values: [String: JSONValue], invalid: Set<String>) {
        var values: [String: JSONValue] = [:]
        var invalid: Set<String> = []
        for field in definition.fields {
            let key = "fields.\(field.name)"
            let raw: JSONValue
            if let given = request.fields[field.name], given != .null {
                raw = given
            } else if let defaultValue = field.defaultValue {
                raw = defaultValue
            } else if field.type == "bool" {
                // A checkbox (L10399): not ticked and no default is false, never "missing".
                raw = false
            } else {
                continue
            }
            if raw == .null {
                values[field.name] = .null
                continue
            }
            switch check(raw, field: field, request: request, context: context) {
            case .success(let value): values[field.name] = value
            case .failure(let problem):
                errors.add(key, problem.message)
                invalid.insert(field.name)
            }
        }
        return (values, invalid)
    }

    struct Problem: Error {
        var message: String
    }

    /// `value` as the field's type wants it, or why it is not one.
    static func check(
        _ value: JSONValue, field: WorkflowField, request: SubmissionRequest, context: SubmissionContext
    ) -> Result<JSONValue, Problem> {
        switch field.type {
        case "string":
            switch value {
            case .string: return .success(value)
            case .int, .double, .bool: return .success(.string(value.displayText))
            default: return .failure(Problem(message: Message.notString))
            }
        case "int":
            guard case .int = value.normalisedInt else { return .failure(Problem(message: Message.notInt)) }
            return .success(value.normalisedInt)
        case "bool":
            guard let flag = value.boolValue else { return .failure(Problem(message: Message.notBool)) }
            return .success(.bool(flag))
        case "choices":
            guard let choice = field.matchingChoice(value) else {
                return .failure(Problem(message: Message.invalidChoice(value)))
            }
            return .success(choice)
        case "enum[site]":
            guard case .string(let site) = value else { return .failure(Problem(message: Message.notString)) }
            guard context.sites.contains(site) else { return .failure(Problem(message: "Unknown site '\(site)'.")) }
            return .success(value)
        case "enum[queue]":
            // "All queues available on the selected site" (L10399): the submission's site.
            guard case .string(let queue) = value else { return .failure(Problem(message: Message.notString)) }
            guard context.accepts(queue: queue, on: request.site) else {
                return .failure(Problem(message: "Queue '\(queue)' does not exist on site '\(request.site)'."))
            }
            return .success(value)
        case "list":
            guard case .array = value else { return .failure(Problem(message: Message.notList(value))) }
            return .success(value)
        default:
            return .success(value)
        }
    }
}
