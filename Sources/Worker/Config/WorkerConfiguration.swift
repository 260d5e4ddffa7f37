import Foundation
import Shared

/// The worker's configuration, read from `/etc/ngenea/ngenea-worker.conf` (or `$CONFIG`) in the manual's
/// INI format (L7269-7346): a `[settings]` section and `[Queue <name>]` sections.
///
/// Thread counts inherit queue -> `[settings]` -> 10 (L9899-9924). Per-function keys (`worker`,
/// `discovery`, `custom`, `interactive`, `settings`) are `false` (disabled) or `{"threads": N}`; in
/// `[settings]` they apply to the default queue only. `interactive` and `settings` exist on the default
/// queue only.
struct WorkerConfiguration: Sendable, Equatable {
    /// One function of one queue that this worker consumes, with its concurrency.
    struct FunctionPool: Sendable, Hashable {
        var queue: QueueName
        var threads: Int
    }

    var path: String
    var site: String
    var apiHost: String
    var apiPort: Int
    var apiSecure: Bool
    var apiSecureVerify: Bool
    var brokerProvider: String
    var threads: Int
    var redis: RedisSettings
    var enablePlugins: Bool
    /// Where plugins live (docs/plugins.md); used only when `enablePlugins` is on.
    var pluginsDir: String
    var gpfsNodes: [String]
    var logLevel: String
    /// Every (queue, function) pool to run, in a stable order.
    var pools: [FunctionPool]
    /// Commands the tasks run, by tool name; a real node keeps the defaults (found on PATH).
    var commands: [String: String]
    /// Extra arguments appended to each tool's command line, by tool name.
    var extraArguments: [String: [String]]
    /// Where the heartbeat says this worker runs.
    var nodeName: String
    var heartbeatInterval: Double
    /// Seconds an unacknowledged task stays with a silent worker before another takes it over.
    var taskLease: Double
    /// Deliveries after which a task that keeps killing its workers is failed (dead-lettered).
    var maxDeliveries: Int
    /// The site settings store of the settings tasks (docs/tasks.md, "Site settings").
    var siteSettingsFile: String = SiteSettingsStore.defaultPath
    /// argv run after `set_config_and_apply` writes settings; nil runs nothing.
    var settingsApplyCommand: [String]? = nil

    /// How the worker reaches Redis: `broker_url` wins, else `redis_host`/`redis_port`/`redis_password`,
    /// else the hub's host on 6379 (the hub's internal broker).
    struct RedisSettings: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
        /// May hold the broker password: never log it (the descriptions below redact it).
        var url: String
        var socketTimeout: Double
        var connectTimeout: Double

        var description: String { "RedisSettings(\(Self.redact(url)))" }
        var debugDescription: String { description }

        /// The URL with any password replaced by `***`.
        static func redact(_ url: String) -> String {
            guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://") else { return url }
            let credentials = url[scheme.upperBound..<at]
            guard let colon = credentials.firstIndex(of: ":") else { return url }
            return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
        }
    }

    static let defaultPath = "/etc/ngenea/ngenea-worker.conf"
    static let knownSettings: Set<String> = [
        "site", "api_host", "api_port", "api_secure", "api_secure_verify", "broker_provider", "result_provider",
        "threads", "heartbeat", "gossip", "mingle", "redis_health_check_interval", "redis_socket_timeout",
        "redis_host", "redis_port", "redis_password", "redis_tls", "redis_tls_ca", "redis_tls_cert", "redis_tls_key",
        "rabbitmq_host", "rabbitmq_port", "rabbitmq_vhost", "rabbitmq_user", "rabbitmq_password", "rabbitmq_tls",
        "rabbitmq_tls_ca", "rabbitmq_tls_cert", "rabbitmq_tls_key", "celery_socket_timeout",
        "celery_connection_timeout", "gpfs_nodes", "enable_plugins", "loglevel", "broker_url", "result_backend",
        // This implementation's additions, documented in docs/worker.md.
        "node_name", "heartbeat_interval", "task_lease", "max_deliveries", "commands", "extra_arguments",
        "plugins_dir", "site_settings_file", "settings_apply_command",
        // Per-function keys that configure the default queue.
        "worker", "discovery", "custom", "interactive", "settings",
    ]
    static let queueKeys: Set<String> = ["threads", "worker", "discovery", "custom", "interactive", "settings"]

    /// Reads and validates the file at `path`.
    /// - Throws: `ConfigError` naming the file, line and key of the first problem.
    static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> Self {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError(path: path, line: nil, key: nil, message: "no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(path: path, line: nil, key: nil, message: "cannot read the file (permission denied?)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigError(path: path, line: nil, key: nil, message: "the file is not valid UTF-8")
        }
        return try parse(text: text, path: path, environment: environment)
    }

    /// Parses and validates configuration text.
    static func parse(text: String, path: String, environment: [String: String] = [:]) throws(ConfigError) -> Self {
        let ini = try INIFile(text: text, path: path)
        guard let settings = ini.section("settings") else {
            throw ConfigError(path: path, line: nil, key: nil, message: "missing [settings] section")
        }
        var reader = SectionReader(section: settings, path: path)
        for key in settings.order where !knownSettings.contains(key) {
            throw reader.error(key, "unknown setting")
        }
        for section in ini.sections where section.name != "settings" {
            guard section.name.hasPrefix("Queue ") || section.name.hasPrefix("queue ") else {
                throw ConfigError(
                    path: path, line: section.line, key: nil,
                    message: "unknown section [\(section.name)] (expected [settings] or [Queue <name>])")
            }
        }

        let site = try reader.requiredString("site")
        do { try QueueName.validate(part: "site", site) } catch { throw reader.error("site", error.reason) }
        let apiHost = try reader.requiredString("api_host")
        let apiPort = try reader.int("api_port", default: 8000, range: 1...65535)
        let threads = try reader.int("threads", default: 10, range: 1...1024)
        let brokerProvider = try reader.string("broker_provider", default: "redis")
        guard ["redis", "external_redis"].contains(brokerProvider) else {
            throw reader.error("broker_provider", "'\(brokerProvider)' is not supported by this worker (use redis or external_redis)")
        }

        let redisURL: String
        if let url = try reader.optionalString("broker_url") {
            guard url.hasPrefix("redis://") else { throw reader.error("broker_url", "must be a redis:// URL") }
            redisURL = url
        } else {
            let host = try reader.optionalString("redis_host") ?? apiHost
            let port = try reader.int("redis_port", default: 6379, range: 1...65535)
            if let password = try reader.optionalString("redis_password") {
                redisURL = "redis://:\(percentEncode(password))@\(host):\(port)/0"
            } else {
                redisURL = "redis://\(host):\(port)/0"
            }
        }

        let defaultFunctions = try functionSettings(reader: &reader, inheritedThreads: threads, isDefaultQueue: true)
        var pools: [FunctionPool] = []
        for (function, threads) in defaultFunctions {
            pools.append(FunctionPool(queue: try queueName(site, "default", function, reader: reader), threads: threads))
        }
        for section in ini.sections where section.name.lowercased().hasPrefix("queue ") {
            let name = String(section.name.dropFirst("queue ".count)).trimmingWhitespace()
            var queueReader = SectionReader(section: section, path: path)
            do { try QueueName.validate(part: "queue", name) } catch {
                throw ConfigError(path: path, line: section.line, key: nil, message: error.reason)
            }
            guard name != "default" else {
                throw ConfigError(
                    path: path, line: section.line, key: nil,
                    message: "configure the default queue in [settings], not [Queue default]")
            }
            for key in section.order where !queueKeys.contains(key) {
                throw queueReader.error(key, "unknown queue setting")
            }
            let queueThreads = try queueReader.int("threads", default: threads, range: 1...1024)
            for (function, threads) in try functionSettings(reader: &queueReader, inheritedThreads: queueThreads, isDefaultQueue: false) {
                pools.append(FunctionPool(queue: try queueName(site, name, function, reader: queueReader), threads: threads))
            }
        }

        let commands = try reader.stringMap("commands")
        let extra = try reader.stringListMap("extra_arguments")
        let node = try reader.optionalString("node_name") ?? environment["NGENEA_NODE_NAME"] ?? hostName()
        let pluginsDir = try reader.string("plugins_dir", default: PluginDirectory.defaultPath)
        guard pluginsDir.hasPrefix("/") else { throw reader.error("plugins_dir", "'\(pluginsDir)' must be an absolute path") }
        let debug = environment["DYNAMO_DEBUG"]?.lowercased() == "true"
        let logLevel = debug ? "DEBUG" : try reader.string("loglevel", default: "INFO").uppercased()
        guard ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"].contains(logLevel) else {
            throw reader.error("loglevel", "'\(logLevel)' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        }

        let siteSettingsFile = try reader.string("site_settings_file", default: SiteSettingsStore.defaultPath)
        guard siteSettingsFile.hasPrefix("/") else {
            throw reader.error("site_settings_file", "'\(siteSettingsFile)' must be an absolute path")
        }
        let applyCommand = try settingsApplyCommand(reader)

        return WorkerConfiguration(
            path: path, site: site, apiHost: apiHost, apiPort: apiPort,
            apiSecure: try reader.bool("api_secure", default: true),
            apiSecureVerify: try reader.bool("api_secure_verify", default: true),
            brokerProvider: brokerProvider, threads: threads,
            redis: RedisSettings(
                url: redisURL,
                socketTimeout: Double(try reader.int("redis_socket_timeout", default: 60, range: 1...3600)),
                connectTimeout: Double(try reader.int("celery_connection_timeout", default: 60, range: 1...3600))),
            enablePlugins: try reader.bool("enable_plugins", default: false),
            pluginsDir: pluginsDir,
            gpfsNodes: try reader.stringList("gpfs_nodes"),
            logLevel: logLevel, pools: pools, commands: commands, extraArguments: extra, nodeName: node,
            heartbeatInterval: Double(try reader.int("heartbeat_interval", default: 5, range: 1...300)),
            taskLease: Double(try reader.int("task_lease", default: 30, range: 5...86400)),
            maxDeliveries: try reader.int("max_deliveries", default: 5, range: 1...100),
            siteSettingsFile: siteSettingsFile, settingsApplyCommand: applyCommand)
    }

    /// `settings_apply_command`: a JSON list, program first. Never a shell string: it runs as argv.
    private static func settingsApplyCommand(_ reader: SectionReader) throws(ConfigError) -> [String]? {
        let key = "settings_apply_command"
        guard let text = try reader.optionalString(key) else { return nil }
        guard let argv = try? JSONDecoder().decode([String].self, from: Data(text.utf8)), let program = argv.first,
            !program.isEmpty
        else {
            throw reader.error(key, "'\(text)' must be a JSON list of strings, program first, e.g. [\"/usr/local/bin/apply-settings\"]")
        }
        return argv
    }

    /// The enabled functions of a queue with their thread counts. `interactive` and `settings` belong to the
    /// default queue only (L9942-9943).
    private static func functionSettings(
        reader: inout SectionReader, inheritedThreads: Int, isDefaultQueue: Bool
    ) throws(ConfigError) -> [(QueueName.Function, Int)] {
        var result: [(QueueName.Function, Int)] = []
        for function in QueueName.Function.allCases {
            let key = function.rawValue
            let defaultOnly = function == .interactive || function == .settings
            if defaultOnly && !isDefaultQueue {
                if reader.section.entries[key] != nil {
                    throw reader.error(key, "'\(key)' exists on the default queue only")
                }
                continue
            }
            switch try reader.functionSetting(key) {
            case .some(.disabled): continue
            case .some(.threads(let n)): result.append((function, n))
            case .none: result.append((function, inheritedThreads))
            }
        }
        return result
    }

    private static func queueName(
        _ site: String, _ queue: String, _ function: QueueName.Function, reader: SectionReader
    ) throws(ConfigError) -> QueueName {
        do {
            return try QueueName(site: site, queue: queue, function: function)
        } catch {
            throw ConfigError(path: reader.path, line: reader.section.line, key: nil, message: error.reason)
        }
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func percentEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}
