/// A Redis reply (RESP2), copied out of hiredis into Swift values; the C reply is freed immediately.
public enum RedisValue: Sendable, Hashable {
    /// A simple string such as `OK` or `QUEUED`.
    case status(String)
    /// An error reply such as `ERR unknown command` or `NOGROUP ...`. ``RedisConnection/command(_:retry:)``
    /// throws these as ``RedisError`` (code `serverError`); they appear as values only inside arrays
    /// (EXEC results) and pipelines.
    case error(String)
    /// An integer reply.
    case integer(Int64)
    /// A bulk string, binary-safe.
    case bulk([UInt8])
    /// A null bulk string or null array.
    case null
    /// An array reply.
    case array([RedisValue])
}

extension RedisValue {
    /// The bytes of a bulk string, status or error; nil for other replies.
    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let bytes): bytes
        case .status(let text), .error(let text): Array(text.utf8)
        default: nil
        }
    }

    /// A bulk string or status as text when it is valid UTF-8; nil otherwise (including invalid UTF-8).
    public var string: String? {
        switch self {
        case .bulk(let bytes): String(validating: bytes, as: UTF8.self)
        case .status(let text): text
        default: nil
        }
    }

    /// An integer reply, or a bulk string holding a decimal integer; nil otherwise.
    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .bulk(let bytes): String(validating: bytes, as: UTF8.self).flatMap { Int64($0) }
        default: nil
        }
    }

    /// The elements of an array reply; nil otherwise (also for null).
    public var array: [RedisValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// True for the null reply.
    public var isNull: Bool { self == .null }

    /// A short description of the reply's type for error messages; never includes payload bytes.
    var shapeDescription: String {
        switch self {
        case .status: "a status reply"
        case .error(let message): "an error reply (\(message))"
        case .integer: "an integer"
        case .bulk(let bytes): "a bulk string of \(bytes.count) bytes"
        case .null: "null"
        case .array(let elements): "an array of \(elements.count) elements"
        }
    }

    /// Throws the error reply as ``RedisError`` (code `serverError`), or returns the value unchanged.
    func throwingServerError(command: String) throws(RedisError) -> RedisValue {
        if case .error(let message) = self {
            throw RedisError(code: .serverError, message: message)
        }
        return self
    }
}

extension RedisValue: CustomStringConvertible {
    /// A compact rendering for debugging and test output. Bulk strings show as text when valid UTF-8,
    /// else as a byte count: do not log replies carrying payloads at info level.
    public var description: String {
        switch self {
        case .status(let text): "+\(text)"
        case .error(let text): "-\(text)"
        case .integer(let value): ":\(value)"
        case .bulk(let bytes): String(validating: bytes, as: UTF8.self).map { "\"\($0)\"" } ?? "<\(bytes.count) bytes>"
        case .null: "(nil)"
        case .array(let elements): "[" + elements.map(\.description).joined(separator: ", ") + "]"
        }
    }
}
