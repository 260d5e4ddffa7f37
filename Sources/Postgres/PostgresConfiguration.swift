import Foundation

/// How to reach the database and how to size the pool.
///
/// The password is never logged: `description` and every error redact it.
/// Connections are opened with `PQconnectdbParams` keyword/value arrays, never a conninfo string.
/// Every connection runs with `TimeZone=UTC`, `DateStyle=ISO`, `bytea_output=hex` and
/// `client_encoding=UTF8`, which the value decoders rely on.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// Host name, IP address, or an absolute directory path for a Unix-domain socket.
    public var host: String
    public var port: Int
    public var user: String
    /// Never logged or shown.
    public var password: String?
    public var database: String
    /// libpq's `connect_timeout`, in whole seconds (minimum 2, as libpq rounds smaller values up).
    public var connectTimeoutSeconds: Int
    /// Reported in `pg_stat_activity.application_name`.
    public var applicationName: String
    /// Schemas for `search_path`, most preferred first; nil keeps the server's default.
    public var searchPath: [String]?
    /// Extra run-time parameters set on every connection (`-c name=value` in libpq's `options`),
    /// e.g. `["statement_timeout": "30s"]`.
    public var runtimeParameters: [String: String]
    /// libpq `sslmode` (`disable`, `prefer`, `require`, `verify-full`...); nil keeps libpq's default.
    public var sslMode: String?
    /// The maximum number of pooled connections (at least 1). Connections are opened lazily.
    public var poolSize: Int
    /// How long `PostgresPool` checkout waits for a free connection; nil waits indefinitely.
    public var checkoutTimeout: Duration?

    /// Makes a configuration; only `user` and `database` are required.
    public init(
        host: String = "127.0.0.1", port: Int = 5432, user: String, password: String? = nil, database: String,
        connectTimeoutSeconds: Int = 10, applicationName: String = "ngeneahub", searchPath: [String]? = nil,
        runtimeParameters: [String: String] = [:], sslMode: String? = nil, poolSize: Int = 10,
        checkoutTimeout: Duration? = nil
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.applicationName = applicationName
        self.searchPath = searchPath
        self.runtimeParameters = runtimeParameters
        self.sslMode = sslMode
        self.poolSize = poolSize
        self.checkoutTimeout = checkoutTimeout
    }

    /// Parses `postgres://user[:password]@host[:port]/database[?options]` (or `postgresql://`).
    ///
    /// User, password, host and database are percent-decoded. `host` may be `[v6-address]`; an empty
    /// host with `?host=/path` selects a Unix socket. Recognised options: `sslmode`, `connect_timeout`
    /// (seconds), `application_name`, `search_path` (comma-separated), `pool_size`,
    /// `checkout_timeout` (seconds, may be fractional), `host`, `port`, `user`, `password`, `dbname`.
    /// Any other option is passed to the server as a run-time parameter (e.g. `statement_timeout=5s`).
    /// - Throws: `PostgresError` with code `.invalidConfiguration`; its message shows the URL with
    ///   the password replaced by `***`.
    public init(url: String) throws {
        let redacted = Self.redact(url: url)
        func fail(_ reason: String) -> PostgresError {
            PostgresError(code: .invalidConfiguration, message: "invalid PostgreSQL URL \(redacted): \(reason)")
        }
        guard let schemeEnd = url.range(of: "://") else { throw fail("missing scheme (expected postgres://)") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw fail("unsupported scheme '\(scheme)' (expected postgres or postgresql)")
        }
        var rest = Substring(url[schemeEnd.upperBound...])
        var query = Substring("")
        if let questionMark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: questionMark)...]
            rest = rest[..<questionMark]
        }
        if let hashMark = query.firstIndex(of: "#") { query = query[..<hashMark] }
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        // Authority: [user[:password]@]host[:port]
        var userInfo: Substring?
        var hostPort = rest
        if let at = rest.lastIndex(of: "@") {
            userInfo = rest[..<at]
            hostPort = rest[rest.index(after: at)...]
        }
        var user: String?
        var password: String?
        if let userInfo {
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.decode(userInfo[..<colon], what: "user", fail: fail)
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], what: "password", fail: fail)
            } else {
                user = try Self.decode(userInfo, what: "user", fail: fail)
            }
        }
        var host = ""
        var port = 5432
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw fail("unterminated '[' in IPv6 host") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let afterHost = hostPort[hostPort.index(after: close)...]
            if !afterHost.isEmpty {
                guard afterHost.hasPrefix(":") else { throw fail("unexpected text after IPv6 host") }
                port = try Self.parsePort(afterHost.dropFirst(), fail: fail)
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = try Self.decode(hostPort[..<colon], what: "host", fail: fail)
            port = try Self.parsePort(hostPort[hostPort.index(after: colon)...], fail: fail)
        } else {
            host = try Self.decode(hostPort, what: "host", fail: fail)
        }
        var database = try Self.decode(path, what: "database", fail: fail)

        var configuration = PostgresConfiguration(host: host, port: port, user: user ?? "", password: password, database: "")
        if !query.isEmpty {
            for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = try Self.decode(parts[0], what: "option name", fail: fail)
                let value = parts.count > 1 ? try Self.decode(parts[1], what: "option \(key)", fail: fail) : ""
                switch key {
                case "sslmode": configuration.sslMode = value
                case "connect_timeout":
                    guard let seconds = Int(value), seconds >= 0 else { throw fail("connect_timeout must be whole seconds") }
                    configuration.connectTimeoutSeconds = seconds
                case "application_name": configuration.applicationName = value
                case "search_path":
                    configuration.searchPath = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                        .filter { !$0.isEmpty }
                case "pool_size":
                    guard let size = Int(value), size >= 1 else { throw fail("pool_size must be a positive integer") }
                    configuration.poolSize = size
                case "checkout_timeout":
                    guard let seconds = Double(value), seconds > 0, seconds.isFinite else {
                        throw fail("checkout_timeout must be a positive number of seconds")
                    }
                    configuration.checkoutTimeout = .milliseconds(Int64((seconds * 1000).rounded()))
                case "host": configuration.host = value
                case "port": configuration.port = try Self.parsePort(Substring(value), fail: fail)
                case "user": configuration.user = value
                case "password": configuration.password = value
                case "dbname": database = value
                default:
                    guard !key.isEmpty else { throw fail("empty option name") }
                    configuration.runtimeParameters[key] = value
                }
            }
        }
        configuration.database = database
        if configuration.host.isEmpty { configuration.host = "127.0.0.1" }
        guard !configuration.user.isEmpty else { throw fail("missing user name") }
        guard !configuration.database.isEmpty else { throw fail("missing database name") }
        self = configuration
    }

    /// All fields except the password (shown as `***` when set).
    public var description: String {
        var text = "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
        text += " (pool \(poolSize), connect timeout \(connectTimeoutSeconds)s, application \(applicationName)"
        if let searchPath { text += ", search_path \(searchPath.joined(separator: ","))" }
        if let sslMode { text += ", sslmode \(sslMode)" }
        if !runtimeParameters.isEmpty {
            text += ", " + runtimeParameters.keys.sorted().map { "\($0)=\(runtimeParameters[$0] ?? "")" }.joined(separator: ", ")
        }
        return text + ")"
    }

    /// The URL with any password replaced by `***`, for messages.
    static func redact(url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        var result = String(url[..<schemeEnd.upperBound])
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                result += userInfo[..<colon] + ":***"
            } else {
                result += userInfo
            }
            result += authority[at...]
        } else {
            result += authority
        }
        // A password given as a query option is redacted too.
        var tail = String(afterScheme[authorityEnd...])
        if let range = tail.range(of: "password=") {
            let valueEnd = tail[range.upperBound...].firstIndex(of: "&") ?? tail.endIndex
            tail.replaceSubrange(range.upperBound..<valueEnd, with: "***")
        }
        return result + tail
    }

    private static func decode(
        _ text: Substring, what: String, fail: (String) -> PostgresError
    ) throws -> String {
        if !text.contains("%") { return String(text) }
        guard let decoded = text.removingPercentEncoding else { throw fail("invalid percent-encoding in \(what)") }
        return decoded
    }

    private static func parsePort(_ text: Substring, fail: (String) -> PostgresError) throws -> Int {
        guard let port = Int(text), (1...65535).contains(port) else { throw fail("invalid port '\(text)'") }
        return port
    }

    /// The libpq connection keywords and values (including the password).
    func connectionParameters() -> [(String, String)] {
        var parameters: [(String, String)] = [
            ("host", host), ("port", String(port)), ("user", user), ("dbname", database),
            ("connect_timeout", String(connectTimeoutSeconds)), ("application_name", applicationName),
            ("client_encoding", "UTF8"),
        ]
        if let password { parameters.append(("password", password)) }
        if let sslMode { parameters.append(("sslmode", sslMode)) }
        var settings: [(String, String)] = [("TimeZone", "UTC"), ("DateStyle", "ISO"), ("bytea_output", "hex")]
        if let searchPath, !searchPath.isEmpty {
            settings.append(("search_path", searchPath.map { PostgresIdentifier($0).quoted }.joined(separator: ",")))
        }
        for key in runtimeParameters.keys.sorted() { settings.append((key, runtimeParameters[key] ?? "")) }
        let options = settings.map { "-c " + Self.escapeOption("\($0.0)=\($0.1)") }.joined(separator: " ")
        parameters.append(("options", options))
        return parameters
    }

    /// libpq splits `options` on white space; a backslash makes the next character literal.
    private static func escapeOption(_ text: String) -> String {
        var result = ""
        for character in text {
            if character == "\\" || character == " " || character == "\t" || character == "\n" { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
