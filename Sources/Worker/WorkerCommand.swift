import ArgumentParser
import Foundation
import Logging
import RedisQueue
import ServiceLifecycle
import UnixSignals
import Shared

/// `ngenea-worker`: runs Ngenea Hub tasks on a PixStor node.
@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ngenea-worker",
        abstract: "Runs Ngenea Hub tasks on this PixStor node.",
        version: SoftwareVersion.current,
        subcommands: [Run.self, CheckConfig.self, Plugins.self, Join.self],
        defaultSubcommand: Run.self)
}

/// Where the configuration comes from: `--config`, else `$CONFIG` (the systemd environment file, manual
/// L7355-7363), else `/etc/ngenea/ngenea-worker.conf`.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: $CONFIG or /etc/ngenea/ngenea-worker.conf).")
    var config: String?

    var path: String {
        config ?? ProcessInfo.processInfo.environment["CONFIG"] ?? WorkerConfiguration.defaultPath
    }

    func load() throws -> WorkerConfiguration {
        do {
            return try WorkerConfiguration.load(path: path)
        } catch {
            // A configuration problem is the administrator's to fix: say where, exit 2, no usage dump.
            FileHandle.standardError.write(Data("ngenea-worker: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

extension WorkerCommand {
    /// Runs the daemon until SIGTERM or SIGINT.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the worker daemon (the default).")
        @OptionGroup var config: ConfigOption

        func run() async throws {
            let configuration = try config.load()
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = Logger.Level(workerLevel: configuration.logLevel)
                return handler
            }
            var logger = Logger(label: "ngenea-worker")
            logger[metadataKey: "site"] = "\(configuration.site)"
            let redis: RedisConfiguration
            do {
                redis = try RedisConfiguration(url: configuration.redis.url)
            } catch {
                FileHandle.standardError.write(Data("ngenea-worker: \(configuration.path): broker: \(error)\n".utf8))
                throw ExitCode(2)
            }
            let processStarted = Date()
            // Unique per process: a restarted worker must not inherit a dead one's pending entries by name;
            // those are reclaimed after their lease like any other dead consumer's.
            let consumer = "\(configuration.nodeName):\(getpid()):\(Int(processStarted.timeIntervalSince1970))"
            let publishConnection = RedisConnection(configuration: redis, logger: logger)
            let publisher = ResultPublisher(connection: publishConnection, logger: logger)
            let tasks = TaskTable.forWorker(configuration, logger: logger)
            // Probed once before the first heartbeat, so that it normally carries them; FilesystemProbeService
            // probes again later.
            let filesystems = KnownFilesystems(await FilesystemProbe.mounts(
                tools: ToolSettings(commands: configuration.commands, extraArguments: configuration.extraArguments), logger: logger))

            let live = LiveConfiguration(configuration)
            let serviceLogger = logger
            let options = ReliableQueue.Options(
                group: RedisKeys.workerGroup, lease: .milliseconds(Int(configuration.taskLease * 1000)),
                maxDeliveries: configuration.maxDeliveries)
            let (reloads, reloadContinuation) = AsyncStream.makeStream(of: [WorkerConfiguration.FunctionPool].self)
            let services: [any Service] = [
                HeartbeatService(
                    live: live, publisher: publisher, pluginTasks: tasks.pluginTaskNames, filesystems: filesystems,
                    processStarted: processStarted, logger: logger),
                FilesystemProbeService(known: filesystems, live: live, logger: logger),
                PoolsService(
                    initial: configuration.pools, reloads: reloads,
                    makePool: { pool in
                        QueuePool(
                            pool: pool, redis: redis, consumer: consumer, options: options, tasks: tasks,
                            publisher: publisher, logger: serviceLogger)
                    }, logger: logger),
                ReloadService(
                    live: live, load: { [config] in try WorkerConfiguration.load(path: config.path) },
                    apply: { reloadContinuation.yield($0) }, logger: logger),
            ]
            var groupConfiguration = ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            // Running tasks get this long to finish after SIGTERM; then they are cancelled and their entries
            // are left for another worker (systemd's TimeoutStopSec is above it).
            groupConfiguration.maximumGracefulShutdownDuration = .seconds(90)
            let group = ServiceGroup(configuration: groupConfiguration)
            logger.info(
                "ngenea-worker \(SoftwareVersion.current) starting: node \(configuration.nodeName), \(configuration.pools.count) queue functions, broker \(redis)")
            try await group.run()
            await publishConnection.close()
            logger.info("ngenea-worker stopped")
        }
    }

    /// Validates the configuration and prints what the worker would consume.
    struct CheckConfig: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-config", abstract: "Validate the configuration and print the queues it defines.")
        @OptionGroup var config: ConfigOption

        func run() async throws {
            let configuration = try config.load()
            print("\(configuration.path): ok (site \(configuration.site), node \(configuration.nodeName))")
            for pool in configuration.pools {
                print("  \(pool.queue)  threads=\(pool.threads)")
            }
            for line in PluginDirectory.checkReport(configuration) { print(line) }
        }
    }
}

extension Logger.Level {
    /// The manual's log level names (L7317) to swift-log levels.
    init(workerLevel: String) {
        switch workerLevel {
        case "DEBUG": self = .debug
        case "WARNING": self = .warning
        case "ERROR": self = .error
        case "CRITICAL": self = .critical
        default: self = .info
        }
    }
}
