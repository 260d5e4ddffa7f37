import Shared

/// One entry of a rule's `action` list (L10353-10360): the task to run, where, and its kwargs.
public struct ActionStep: Sendable, Hashable, Codable {
    /// Task name, e.g. `dynamo.tasks.migrate`.
    public var name: String
    /// Site to run on; nil means the site the workflow was submitted against (L10357). May be `"*field"`.
    public var site: String?
    /// Queue to run on; nil means the submission's queue, else `default` (L10358). May be `"*field"`.
    public var queue: String?
    /// Every other key of the action object, passed to the task as a keyword argument (L10360).
    public var kwargs: [String: JSONValue]

    public init(name: String, site: String? = nil, queue: String? = nil, kwargs: [String: JSONValue] = [:]) {
        self.name = name
        self.site = site
        self.queue = queue
        self.kwargs = kwargs
    }

    /// The API representation: the action object with the kwargs flattened back in.
    public var json: JSONValue {
        var object = kwargs
        object["name"] = .string(name)
        if let site { object["site"] = .string(site) }
        if let queue { object["queue"] = .string(queue) }
        return .object(object)
    }

    /// Parses one action object, recording problems under `path` (e.g. `filter_rules[0].action[1]`).
    static func parse(_ value: JSONValue, path: String, errors: inout ValidationErrors) -> ActionStep? {
        guard case .object(let object) = value else {
            errors.add(path, Message.notObject(value))
            return nil
        }
        let reader = ObjectReader(object, path: path)
        let before = errors.count
        let name = reader.string("name", required: true, errors: &errors)
        if let name, !KnownTasks.isKnownStep(name) {
            errors.add(reader.key("name"), "Unknown task '\(name)'.")
        }
        let site = reader.string("site", required: false, errors: &errors)
        let queue = reader.string("queue", required: false, errors: &errors)
        var kwargs = object
        for key in ["name", "site", "queue"] { kwargs[key] = nil }
        // The API dump writes `pre_migrate` (L25165) where the task takes `premigrate` (L12234); spec/03 §16.3.
        if let legacy = kwargs.removeValue(forKey: "pre_migrate"), kwargs["premigrate"] == nil {
            kwargs["premigrate"] = legacy
        }
        guard let name, errors.count == before else { return nil }
        return ActionStep(name: name, site: site, queue: queue, kwargs: kwargs)
    }

    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        var errors = ValidationErrors()
        guard let step = Self.parse(value, path: "action", errors: &errors) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: WorkflowValidationError(errors.fields).description))
        }
        self = step
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
