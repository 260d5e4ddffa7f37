/// An error from the Redis client or the reliable queue.
///
/// Match on ``code`` (`error.code == .connectionLost`); ``message`` names what failed (the command name,
/// the endpoint, the server's error text). Messages never contain the password or command arguments
/// (payloads), so they are safe to log.
public struct RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case invalidURL
            case invalidArgument
            case connectionFailed
            case connectionLost
            case closed
            case serverError
            case unexpectedReply
        }

        private let value: Value

        /// A Redis URL could not be parsed; nothing was sent.
        public static var invalidURL: Code { Code(value: .invalidURL) }
        /// An argument was out of range (for example an empty command or a count below 1); nothing was sent.
        public static var invalidArgument: Code { Code(value: .invalidArgument) }
        /// No connection could be made (refused, unreachable, authentication or SELECT failed).
        /// The command was NOT sent: it is always safe to try again.
        public static var connectionFailed: Code { Code(value: .connectionFailed) }
        /// The connection broke or timed out after the command may have been sent: its outcome is unknown.
        /// The connection has been discarded; the next command reconnects.
        public static var connectionLost: Code { Code(value: .connectionLost) }
        /// The connection was closed with `close()`.
        public static var closed: Code { Code(value: .closed) }
        /// Redis answered with an error reply; ``RedisError/serverErrorCode`` holds its first word.
        public static var serverError: Code { Code(value: .serverError) }
        /// Redis answered with a reply of a shape this client did not expect for the command.
        public static var unexpectedReply: Code { Code(value: .unexpectedReply) }

        public var description: String {
            switch value {
            case .invalidURL: "invalid URL"
            case .invalidArgument: "invalid argument"
            case .connectionFailed: "connection failed"
            case .connectionLost: "connection lost"
            case .closed: "connection closed"
            case .serverError: "server error"
            case .unexpectedReply: "unexpected reply"
            }
        }
    }

    /// What kind of failure this is.
    public let code: Code
    /// A human-readable explanation naming what failed.
    public let message: String

    /// Creates an error. The message must not contain secrets or payload bytes.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "Redis \(code): \(message)" }

    /// For ``Code/serverError``: the error code Redis put first in its reply (`ERR`, `NOGROUP`,
    /// `BUSYGROUP`, `WRONGTYPE`...), else nil.
    public var serverErrorCode: String? {
        guard code == .serverError else { return nil }
        return message.split(separator: " ", maxSplits: 1).first.map(String.init)
    }

    /// True when Redis said the stream or its consumer group does not exist (also when the error came
    /// from inside a Lua script, where Redis appends the script location).
    public var isNoGroup: Bool { code == .serverError && message.hasPrefix("NOGROUP") }

    /// True for the errors after which the connection was discarded (``Code/connectionFailed``,
    /// ``Code/connectionLost``): trying again later may succeed.
    public var isConnectionError: Bool { code == .connectionFailed || code == .connectionLost }
}

extension RedisError {
    static func invalidURL(_ message: String) -> RedisError { RedisError(code: .invalidURL, message: message) }
    static func invalidArgument(_ message: String) -> RedisError { RedisError(code: .invalidArgument, message: message) }
    static func connectionFailed(_ message: String) -> RedisError { RedisError(code: .connectionFailed, message: message) }
    static func connectionLost(_ message: String) -> RedisError { RedisError(code: .connectionLost, message: message) }
    static func unexpectedReply(_ command: String, _ value: RedisValue) -> RedisError {
        RedisError(code: .unexpectedReply, message: "\(command) returned \(value.shapeDescription)")
    }
    static var closed: RedisError { RedisError(code: .closed, message: "the connection was closed with close()") }
}
