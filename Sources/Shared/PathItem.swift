/// A path handed to a task: `{"path": ..., "size": ..., "state": ..., "source": ..., "message": [...]}`
/// (manual L9107-9113, L12226). Only `path` is required.
public struct PathItem: Sendable, Hashable, Codable {
    /// Absolute path on the site's filesystem (or a remote object path for external-target imports).
    public var path: String
    /// Size in bytes, when known (discovery fills it; batching by GB uses it).
    public var size: Int64?
    /// The discovery state (`created`, `updated`, `moved`, `deleted`, `modified`, ...), when given.
    public var state: String?
    /// The previous path of a moved item.
    public var source: String?
    /// Messages about this path; the manual writes them as a list of strings.
    public var message: [String]?
    /// Extra per-file metadata from discovery (`extra_fields` of snapdiff: inode, generation, ...).
    public var additionalMetadata: JSONValue?
    /// What discovery found at the path: `file`, `directory` or `symlink` (the rule types, L10336).
    /// Nil for paths given by the user and not yet discovered.
    public var type: String?

    public init(
        path: String, size: Int64? = nil, state: String? = nil, source: String? = nil, message: [String]? = nil,
        additionalMetadata: JSONValue? = nil, type: String? = nil
    ) {
        self.path = path
        self.size = size
        self.state = state
        self.source = source
        self.message = message
        self.additionalMetadata = additionalMetadata
        self.type = type
    }

    enum CodingKeys: String, CodingKey {
        case path, size, state, source, message
        case additionalMetadata = "additional_metadata"
        case type
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        size = try c.decodeIfPresent(Int64.self, forKey: .size)
        state = try c.decodeIfPresent(String.self, forKey: .state)
        source = try c.decodeIfPresent(String.self, forKey: .source)
        message = try c.decodeMessages(forKey: .message)
        additionalMetadata = try c.decodeIfPresent(JSONValue.self, forKey: .additionalMetadata)
        type = try c.decodeIfPresent(String.self, forKey: .type)
    }
}

extension KeyedDecodingContainer {
    /// Messages as a list of strings; a single string (as loose producers write it) becomes a list of one.
    func decodeMessages(forKey key: Key) throws -> [String]? {
        if let list = try? decodeIfPresent([String].self, forKey: key) { return list }
        if let single = try decodeIfPresent(String.self, forKey: key) { return [single] }
        return nil
    }
}
