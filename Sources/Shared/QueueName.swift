/// A worker queue as routed on the wire: `<site>.<queue>#<function>` (manual L9310-9318).
///
/// `london.highpriority#custom` is site `london`, queue `highpriority`, function `custom`.
/// Site and queue names are letters, digits, `_` and `-` (a `.` or `#` would make the name ambiguous).
public struct QueueName: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The worker functions a queue serves (manual L9926-9964).
    public enum Function: String, CaseIterable, Sendable, Codable {
        /// Workflow step tasks (migrate, recall, ...).
        case worker
        /// Discovery tasks (recursive_navigate, snapdiff).
        case discovery
        /// Plugin tasks (`dynamo.custom.*`).
        case custom
        /// Browsing and other interactive requests (default queue only).
        case interactive
        /// Site settings and health tasks (default queue only).
        case settings
    }

    public var site: String
    public var queue: String
    public var function: Function

    /// Builds a name from parts, validating each.
    /// - Throws: `QueueNameError` naming the part that is wrong.
    public init(site: String, queue: String, function: Function) throws(QueueNameError) {
        try Self.validate(part: "site", site)
        try Self.validate(part: "queue", queue)
        self.site = site
        self.queue = queue
        self.function = function
    }

    /// Parses `<site>.<queue>#<function>`.
    /// - Throws: `QueueNameError` naming what is malformed.
    public init(parsing text: String) throws(QueueNameError) {
        guard let hash = text.lastIndex(of: "#") else {
            throw QueueNameError(name: text, reason: "missing '#<function>'")
        }
        let head = text[..<hash]
        let functionText = String(text[text.index(after: hash)...])
        guard let dot = head.firstIndex(of: ".") else {
            throw QueueNameError(name: text, reason: "missing '.' between site and queue")
        }
        guard let function = Function(rawValue: functionText) else {
            let known = Function.allCases.map(\.rawValue).joined(separator: ", ")
            throw QueueNameError(name: text, reason: "unknown function '\(functionText)' (expected one of \(known))")
        }
        do {
            try self.init(site: String(head[..<dot]), queue: String(head[head.index(after: dot)...]), function: function)
        } catch {
            throw QueueNameError(name: text, reason: error.reason)
        }
    }

    public var description: String { "\(site).\(queue)#\(function.rawValue)" }

    /// The same site and queue serving another function.
    public func with(function: Function) -> QueueName {
        var copy = self
        copy.function = function
        return copy
    }

    /// Checks one part of a queue name (a site or queue name).
    public static func validate(part: String, _ value: String) throws(QueueNameError) {
        guard !value.isEmpty else { throw QueueNameError(name: value, reason: "\(part) name is empty") }
        guard value.utf8.count <= 128 else { throw QueueNameError(name: value, reason: "\(part) name is longer than 128 bytes") }
        for byte in value.utf8 {
            let ok = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte == 0x2D
            guard ok else {
                throw QueueNameError(
                    name: value, reason: "\(part) name '\(value)' may contain only letters, digits, '_' and '-'")
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A queue name that does not follow `<site>.<queue>#<function>`.
public struct QueueNameError: Error, Equatable, Sendable, CustomStringConvertible {
    public var name: String
    public var reason: String
    public var description: String { "invalid queue name '\(name)': \(reason)" }
}
