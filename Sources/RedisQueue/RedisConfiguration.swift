/// Where and how a ``RedisConnection`` connects.
///
/// The password is never part of ``description``, ``debugDescription`` or the reflection mirror, so a
/// configuration can be logged or interpolated safely.
public struct RedisConfiguration: Sendable, Equatable {
    /// Host name or IP address (IPv6 without brackets).
    public var host: String
    /// TCP port, 1...65535.
    public var port: Int
    /// ACL user name (Redis 6+) sent with `AUTH user password`; nil for the default user.
    public var username: String?
    /// Password sent with `AUTH` right after connecting; nil for none. Never logged.
    public var password: String?
    /// Database index selected with `SELECT` after connecting (when not 0).
    public var database: Int
    /// How long establishing the TCP connection may take.
    public var connectTimeout: Duration
    /// Socket read/write timeout for ordinary commands; nil waits for ever (not recommended: a dead
    /// server behind a silent network would hang the connection's thread). Blocking commands get
    /// their block time plus this margin (or 5 s if nil).
    public var commandTimeout: Duration?
    /// Delay before the first reconnect attempt after a failed one; doubles on each failure.
    public var minimumReconnectDelay: Duration
    /// Upper bound of the reconnect delay.
    public var maximumReconnectDelay: Duration
    /// What a command does when the connection breaks under it, unless the call says otherwise.
    public var retryPolicy: RedisRetryPolicy

    /// Creates a configuration; every value has a default suitable for a local server.
    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        connectTimeout: Duration = .seconds(5),
        commandTimeout: Duration? = .seconds(10),
        minimumReconnectDelay: Duration = .milliseconds(50),
        maximumReconnectDelay: Duration = .seconds(5),
        retryPolicy: RedisRetryPolicy = .never
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.minimumReconnectDelay = minimumReconnectDelay
        self.maximumReconnectDelay = maximumReconnectDelay
        self.retryPolicy = retryPolicy
    }

    /// The read timeout used for a command that blocks on the server for `block`.
    func readTimeout(blockingFor block: Duration) -> Duration {
        block + (commandTimeout ?? .seconds(5))
    }
}

extension RedisConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The configuration as a URL with the password replaced by `***`.
    public var description: String {
        var userinfo = ""
        if let username { userinfo = username }
        if password != nil { userinfo += ":***" }
        if !userinfo.isEmpty { userinfo += "@" }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "redis://\(userinfo)\(hostPart):\(port)/\(database)"
    }

    public var debugDescription: String { "RedisConfiguration(\(description))" }

    /// A mirror without the password, so `dump` and `String(reflecting:)` do not reveal it.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "port": port, "username": username as Any,
                "password": password == nil ? "nil" : "***", "database": database,
                "connectTimeout": connectTimeout, "commandTimeout": commandTimeout as Any,
                "minimumReconnectDelay": minimumReconnectDelay, "maximumReconnectDelay": maximumReconnectDelay,
                "retryPolicy": retryPolicy,
            ],
            displayStyle: .struct
        )
    }
}
