/// Everything a worker sends to the hub on the results stream, tagged by `type`:
/// `{"type": "result", "body": {...}}`. The hub dispatches on the tag; an unknown tag is logged and acked,
/// never retried for ever.
public enum HubMessage: Sendable, Hashable, Codable {
    case started(TaskStarted)
    case progress(FileOutcomeBatch)
    case result(TaskResult)
    case heartbeat(Heartbeat)

    /// The `type` tag of each case.
    public enum Kind: String, Sendable, Codable {
        case started, progress, result, heartbeat
    }

    public var kind: Kind {
        switch self {
        case .started: .started
        case .progress: .progress
        case .result: .result
        case .heartbeat: .heartbeat
        }
    }

    enum CodingKeys: String, CodingKey { case type, body }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kindText = try c.decode(String.self, forKey: .type)
        guard let kind = Kind(rawValue: kindText) else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: c, debugDescription: "unknown message type '\(kindText)'")
        }
        switch kind {
        case .started: self = .started(try c.decode(TaskStarted.self, forKey: .body))
        case .progress: self = .progress(try c.decode(FileOutcomeBatch.self, forKey: .body))
        case .result: self = .result(try c.decode(TaskResult.self, forKey: .body))
        case .heartbeat: self = .heartbeat(try c.decode(Heartbeat.self, forKey: .body))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind.rawValue, forKey: .type)
        switch self {
        case .started(let body): try c.encode(body, forKey: .body)
        case .progress(let body): try c.encode(body, forKey: .body)
        case .result(let body): try c.encode(body, forKey: .body)
        case .heartbeat(let body): try c.encode(body, forKey: .body)
        }
    }
}
