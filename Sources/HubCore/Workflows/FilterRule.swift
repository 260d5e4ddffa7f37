import Shared

/// A filter rule (L10328-10351): which discovered paths, by state, type and glob, get which chain of steps.
public struct FilterRule: Sendable, Hashable, Codable {
    /// A discovery state (`created`, `modified`, ...) or the specials `all` and `default` (L10345).
    public var state: String
    /// `file`, `directory`, `symlink`, `all` (L10336), or `default` for default rules (L10347).
    public var type: String
    /// Steps run serially on the matching paths (L10337, L10353).
    public var action: [ActionStep]
    public var include: [String]?
    public var exclude: [String]?
    public var ignoreSiteIncludes: Bool
    public var ignoreSiteExcludes: Bool
    /// Free text shown with the rule (the API dump has one per default rule, L25119, L25168).
    public var description: String?

    public init(
        state: String, type: String, action: [ActionStep], include: [String]? = nil, exclude: [String]? = nil,
        ignoreSiteIncludes: Bool = false, ignoreSiteExcludes: Bool = false, description: String? = nil
    ) {
        self.state = state
        self.type = FilterRule.normalisedType(type)
        self.action = action
        self.include = include
        self.exclude = exclude
        self.ignoreSiteIncludes = ignoreSiteIncludes
        self.ignoreSiteExcludes = ignoreSiteExcludes
        self.description = description
    }

    /// The special state whose rules act on every path, in addition to any other matching rule (L10351).
    public static let allState = "all"
    /// The special state whose rules act on paths no other rule matched (L10347).
    public static let defaultState = "default"
    /// Rule types after aliases (L10336 and L10347).
    public static let validTypes: Set<String> = ["file", "directory", "symlink", "all", "default"]

    /// `recursive_navigate` names types `file|link|folder` (L12194) where rules say `symlink`/`directory`
    /// (L10336): both spellings mean the same thing.
    public static func normalisedType(_ type: String) -> String {
        switch type {
        case "link": "symlink"
        case "folder": "directory"
        default: type
        }
    }

    /// The API representation; optional keys appear only when set.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "state": .string(state), "type": .string(type), "action": .array(action.map(\.json)),
        ]
        if let include { object["include"] = .array(include.map(JSONValue.string)) }
        if let exclude { object["exclude"] = .array(exclude.map(JSONValue.string)) }
        if ignoreSiteIncludes { object["ignore_site_includes"] = true }
        if ignoreSiteExcludes { object["ignore_site_excludes"] = true }
        if let description { object["description"] = .string(description) }
        return .object(object)
    }

    /// Parses one rule, recording problems under `path` (e.g. `filter_rules[0]`).
    static func parse(_ value: JSONValue, path: String, errors: inout ValidationErrors) -> FilterRule? {
        guard case .object(let object) = value else {
            errors.add(path, Message.notObject(value))
            return nil
        }
        let reader = ObjectReader(object, path: path)
        let before = errors.count
        let state = reader.string("state", required: true, errors: &errors)
        let type = reader.string("type", required: true, errors: &errors).map(normalisedType)
        if let type, !validTypes.contains(type) {
            errors.add(
                reader.key("type"),
                "\"\(type)\" is not a valid choice. Valid types are file, directory, symlink, all and default.")
        }
        if let state, let type {
            if state == defaultState && type != defaultState {
                errors.add(reader.key("type"), "A default rule must have type default.")
            } else if type == defaultState && state != defaultState {
                errors.add(reader.key("state"), "A rule of type default must have state default.")
            }
        }
        let action = parseAction(object["action"], path: reader.key("action"), errors: &errors)
        let include = reader.stringList("include", errors: &errors)
        let exclude = reader.stringList("exclude", errors: &errors)
        let ignoreIncludes = reader.bool("ignore_site_includes", fallback: false, errors: &errors)
        let ignoreExcludes = reader.bool("ignore_site_excludes", fallback: false, errors: &errors)
        let description = reader.string("description", required: false, allowBlank: true, errors: &errors)
        guard let state, let type, let action, errors.count == before else { return nil }
        return FilterRule(
            state: state, type: type, action: action, include: include, exclude: exclude,
            ignoreSiteIncludes: ignoreIncludes, ignoreSiteExcludes: ignoreExcludes, description: description)
    }

    /// `action` is a list of steps; Example 9 writes a single object (L10655), which means a list of one.
    private static func parseAction(_ value: JSONValue?, path: String, errors: inout ValidationErrors) -> [ActionStep]? {
        let items: [JSONValue]
        switch value {
        case nil:
            errors.add(path, Message.required)
            return nil
        case .null?:
            errors.add(path, Message.null)
            return nil
        case .object(let single)?:
            return ActionStep.parse(.object(single), path: "\(path)[0]", errors: &errors).map { [$0] }
        case .array(let list)?:
            items = list
        case let other?:
            errors.add(path, Message.notList(other))
            return nil
        }
        if items.isEmpty {
            errors.add(path, Message.emptyList)
            return nil
        }
        let before = errors.count
        let steps = items.enumerated().compactMap { index, item in
            ActionStep.parse(item, path: "\(path)[\(index)]", errors: &errors)
        }
        return errors.count == before ? steps : nil
    }

    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        var errors = ValidationErrors()
        guard let rule = Self.parse(value, path: "filter_rule", errors: &errors) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: WorkflowValidationError(errors.fields).description))
        }
        self = rule
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
