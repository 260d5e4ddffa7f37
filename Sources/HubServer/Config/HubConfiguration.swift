import Foundation

/// The hub's settings. Read from an environment file in the manner of the manual's
/// `/etc/sysconfig/ngeneahub` (`KEY=value` lines, L7115-7198): `/etc/ngeneahub/ngeneahub.conf`, or the file
/// named by `$NGENEAHUB_CONFIG`; variables in the process environment override the file.
///
/// Keys:
/// - `NGENEA_DATABASE_URL`: `postgres://user[:password]@host[:port]/db` (default `postgres://ngenea@127.0.0.1:5432/ngeneahub`)
/// - `NGENEA_REDIS_URL`: `redis://[:password@]host[:port][/db]` (default `redis://127.0.0.1:6379/0`)
/// - `NGENEAHUB_HOST` / `NGENEAHUB_PORT`: where the REST API listens (default `127.0.0.1`, `8000`)
/// - `NGENEAHUB_PUBLIC_URL`: the absolute base of `url` fields (default `http://<host>:<port>`)
/// - `NGENEAHUB_DB_POOL_SIZE`: PostgreSQL connections (default 8)
/// - `NGENEAHUB_LOG_LEVEL`: trace, debug, info, notice, warning, error, critical (default info)
/// - `NGENEAHUB_NODE_NAME`: this replica's name in logs and locks (default the host name)
///
/// Authentication and abuse limits (docs/api.md):
/// - `NGENEAHUB_ACCESS_TOKEN_LIFETIME` / `NGENEAHUB_REFRESH_TOKEN_LIFETIME`: seconds (default 3600 / 86400,
///   the manual's 1 hour and 1 day, L18653)
/// - `NGENEAHUB_PASSWORD_ITERATIONS`: PBKDF2-SHA256 iterations for new hashes (default 870000, Django 5.1's)
/// - `NGENEAHUB_LOGIN_MAX_FAILURES`: failed logins from one client for one username before it is locked out
///   (default 5); `NGENEAHUB_LOGIN_LOCKOUT`: first lockout in seconds, doubling for each further failure up
///   to an hour (default 60); `NGENEAHUB_LOGIN_FAILURE_WINDOW`: seconds after which failures are forgotten
///   (default 900)
/// - `NGENEAHUB_MAX_BODY_BYTES`: the largest request body (default 1048576); larger is 413
/// - `NGENEAHUB_TRUSTED_PROXIES`: comma-separated proxy IPs whose `X-Forwarded-For` names the client
///   (default none: the peer address is the client)
struct HubConfiguration: Sendable {
    var databaseURL: String
    var redisURL: String
    var host: String
    var port: Int
    var publicURL: String
    /// `NGENEAHUB_PUBLIC_URL` when set: then it, not the request's `Host`, is the base of absolute URLs.
    var explicitPublicURL: String?
    var databasePoolSize: Int
    var logLevel: String
    var replicaName: String
    var accessTokenLifetime: Int
    var refreshTokenLifetime: Int
    var passwordIterations: Int
    var loginMaxFailures: Int
    var loginLockout: Int
    var loginFailureWindow: Int
    var maxBodyBytes: Int
    var trustedProxies: Set<String>
    /// Periodic duties (HousekeepingService): seconds between rounds and the pool alert thresholds.
    var housekeeping = HousekeepingService.Intervals()

    static let defaultPath = "/etc/ngeneahub/ngeneahub.conf"

    /// Loads the configuration: file values (if the file exists), then environment overrides.
    /// - Throws: `HubConfigurationError` naming the file, line or key that is wrong.
    static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> HubConfiguration {
        let explicitPath = environment["NGENEAHUB_CONFIG"]
        let path = explicitPath ?? defaultPath
        var values: [String: String] = [:]
        if FileManager.default.fileExists(atPath: path) {
            values = try parseEnvironmentFile(path: path)
        } else if explicitPath != nil {
            throw HubConfigurationError("\(path): configuration file named by NGENEAHUB_CONFIG does not exist")
        }
        for (key, value) in environment where key.hasPrefix("NGENEA") {
            values[key] = value
        }
        return try HubConfiguration(values: values)
    }

    init(values: [String: String]) throws {
        databaseURL = values["NGENEA_DATABASE_URL"] ?? "postgres://ngenea@127.0.0.1:5432/ngeneahub"
        redisURL = values["NGENEA_REDIS_URL"] ?? "redis://127.0.0.1:6379/0"
        host = values["NGENEAHUB_HOST"] ?? "127.0.0.1"
        let portText = values["NGENEAHUB_PORT"] ?? "8000"
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw HubConfigurationError("NGENEAHUB_PORT: '\(portText)' is not a port number (1-65535)")
        }
        self.port = port
        let poolText = values["NGENEAHUB_DB_POOL_SIZE"] ?? "8"
        guard let pool = Int(poolText), (1...200).contains(pool) else {
            throw HubConfigurationError("NGENEAHUB_DB_POOL_SIZE: '\(poolText)' is not a number between 1 and 200")
        }
        databasePoolSize = pool
        logLevel = (values["NGENEAHUB_LOG_LEVEL"] ?? "info").lowercased()
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw HubConfigurationError("NGENEAHUB_LOG_LEVEL: '\(logLevel)' is not a log level")
        }
        explicitPublicURL = values["NGENEAHUB_PUBLIC_URL"].map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            .flatMap { $0.isEmpty ? nil : $0 }
        if let explicit = explicitPublicURL, !(explicit.hasPrefix("http://") || explicit.hasPrefix("https://")) {
            throw HubConfigurationError("NGENEAHUB_PUBLIC_URL: '\(explicit)' is not an http:// or https:// URL")
        }
        publicURL = explicitPublicURL ?? "http://\(host):\(port)"
        replicaName = values["NGENEAHUB_NODE_NAME"] ?? ProcessInfo.processInfo.hostName
        func number(_ key: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
            guard let text = values[key] else { return value }
            guard let number = Int(text), range.contains(number) else {
                throw HubConfigurationError("\(key): '\(text)' is not a number between \(range.lowerBound) and \(range.upperBound)")
            }
            return number
        }
        accessTokenLifetime = try number("NGENEAHUB_ACCESS_TOKEN_LIFETIME", default: 3600, in: 1...604_800)
        refreshTokenLifetime = try number("NGENEAHUB_REFRESH_TOKEN_LIFETIME", default: 86_400, in: 1...31_536_000)
        passwordIterations = try number("NGENEAHUB_PASSWORD_ITERATIONS", default: 870_000, in: 1000...10_000_000)
        loginMaxFailures = try number("NGENEAHUB_LOGIN_MAX_FAILURES", default: 5, in: 1...1000)
        loginLockout = try number("NGENEAHUB_LOGIN_LOCKOUT", default: 60, in: 1...86_400)
        loginFailureWindow = try number("NGENEAHUB_LOGIN_FAILURE_WINDOW", default: 900, in: 1...604_800)
        maxBodyBytes = try number("NGENEAHUB_MAX_BODY_BYTES", default: 1_048_576, in: 1024...1_073_741_824)
        housekeeping.alerts = try number("NGENEAHUB_ALERTS_INTERVAL", default: 60, in: 1...86_400)
        housekeeping.inventory = try number("NGENEAHUB_INVENTORY_INTERVAL", default: 1800, in: 1...604_800)
        housekeeping.cleanup = try number("NGENEAHUB_CLEANUP_INTERVAL", default: 3600, in: 1...604_800)
        housekeeping.removedQueueExpiry = try number("NGENEAHUB_REMOVED_QUEUE_EXPIRY", default: 86_400, in: 1...31_536_000)
        housekeeping.poolWarning = Double(try number("NGENEAHUB_POOL_ALERT_WARNING", default: 90, in: 1...100))
        housekeeping.poolCritical = Double(try number("NGENEAHUB_POOL_ALERT_CRITICAL", default: 98, in: 1...100))
        trustedProxies = Set(
            (values["NGENEAHUB_TRUSTED_PROXIES"] ?? "").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    /// Parses `KEY=value` lines; `#` comments, blank lines, optional `export ` and quotes.
    static func parseEnvironmentFile(path: String) throws -> [String: String] {
        // A FileHandle reads special files such as /dev/null too, which FileManager does not.
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw HubConfigurationError("\(path): cannot read the file")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw HubConfigurationError("\(path): the file is not valid UTF-8")
        }
        var values: [String: String] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let eq = line.firstIndex(of: "=") else {
                throw HubConfigurationError("\(path):\(index + 1): expected KEY=value")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let q = value.first, (q == "\"" || q == "'"), value.last == q {
                value = String(value.dropFirst().dropLast())
            }
            guard !key.isEmpty else { throw HubConfigurationError("\(path):\(index + 1): missing key before '='") }
            values[key] = value
        }
        return values
    }
}

/// A configuration problem, with where it is.
struct HubConfigurationError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
