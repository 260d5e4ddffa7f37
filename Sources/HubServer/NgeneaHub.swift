import ArgumentParser
#if canImport(Glibc)
import CMalloc
#endif
import Foundation
import Hummingbird
import Logging
import Postgres
import RedisQueue
import ServiceLifecycle
import UnixSignals
import Shared

/// `ngeneahub`: the hub daemon and its administration commands.
@main
struct NgeneaHub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ngeneahub",
        abstract: "Ngenea Hub: REST API, workflow engine, schedules and policies.",
        version: SoftwareVersion.current,
        subcommands: [Serve.self, Migrate.self, CreateSuperuser.self, Manage.self],
        defaultSubcommand: Serve.self)
}

/// Loads the configuration or exits 2 with the reason (no usage dump: the problem is in the file).
func loadHubConfiguration() throws -> HubConfiguration {
    do {
        return try HubConfiguration.load()
    } catch {
        FileHandle.standardError.write(Data("ngeneahub: \(error)\n".utf8))
        throw ExitCode(2)
    }
}

/// Opens the PostgreSQL pool and applies pending migrations.
func openDatabase(_ configuration: HubConfiguration, logger: Logger) async throws -> PostgresPool {
    var pgConfig: PostgresConfiguration
    do {
        pgConfig = try PostgresConfiguration(url: configuration.databaseURL)
    } catch {
        FileHandle.standardError.write(Data("ngeneahub: NGENEA_DATABASE_URL: \(error)\n".utf8))
        throw ExitCode(2)
    }
    pgConfig.poolSize = configuration.databasePoolSize
    pgConfig.applicationName = "ngeneahub"
    let pool = PostgresPool(configuration: pgConfig, logger: logger)
    do {
        let report = try await Migrator.apply(HubMigrations.all, on: pool, logger: logger)
        if !report.applied.isEmpty { logger.info("applied database migrations \(report.applied)") }
        try await PermissionCatalogueSync.run(on: pool, logger: logger)
    } catch {
        await pool.close()
        throw error
    }
    return pool
}

extension NgeneaHub {
    /// Runs the hub until SIGTERM or SIGINT.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the hub daemon (the default).")

        func run() async throws {
            let configuration = try loadHubConfiguration()
            keepFreedMemory()
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
                return handler
            }
            let logger = Logger(label: "ngeneahub")
            let redisConfig: RedisConfiguration
            do {
                redisConfig = try RedisConfiguration(url: configuration.redisURL)
            } catch {
                FileHandle.standardError.write(Data("ngeneahub: NGENEA_REDIS_URL: \(error)\n".utf8))
                throw ExitCode(2)
            }
            let pool = try await openDatabase(configuration, logger: logger)
            let redis = RedisConnection(configuration: redisConfig, logger: logger)
            let signingKey = try await SigningKey.loadOrCreate(pool: pool, logger: logger)
            let auth = AuthServices(
                pool: pool, users: UserStore(pool: pool),
                tokens: TokenService(
                    signingKey: signingKey, accessLifetime: configuration.accessTokenLifetime,
                    refreshLifetime: configuration.refreshTokenLifetime),
                hasher: PasswordHasher(iterations: configuration.passwordIterations), hashing: PasswordWorkQueue(),
                throttle: LoginThrottle(
                    pool: pool, maxFailures: configuration.loginMaxFailures, lockout: configuration.loginLockout,
                    window: configuration.loginFailureWindow),
                trustedProxies: configuration.trustedProxies,
                publicURL: PublicURL(configured: configuration.explicitPublicURL, fallback: configuration.publicURL))
            let engine = WorkflowEngine(pool: pool, redis: redis, logger: logger)
            try await engine.workflows.seedDefaults(logger: logger)
            let deps = HubDependencies(
                configuration: configuration, pool: pool, redis: redis, nodes: NodeStore(pool: pool), auth: auth,
                engine: engine)
            let consumer = "\(configuration.replicaName):\(getpid())"
            let services: [any Service] = [
                buildApplication(deps, logger: logger),
                ResultConsumerService(redis: redisConfig, consumer: consumer, nodes: deps.nodes, engine: engine, logger: logger),
                DispatchSweepService(engine: engine),
                HousekeepingService(
                    engine: engine,
                    health: HealthController(
                        nodes: deps.nodes, pool: pool, redis: redis, configuration: ConfigurationStore(pool: pool)),
                    intervals: configuration.housekeeping),
                SchedulerService(scheduler: Scheduler(engine: engine)),
            ]
            var groupConfiguration = ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            groupConfiguration.maximumGracefulShutdownDuration = .seconds(30)
            logger.info(
                "ngeneahub \(SoftwareVersion.current) listening on \(configuration.host):\(configuration.port), database \(pool.configuration), broker \(redisConfig)")
            try await ServiceGroup(configuration: groupConfiguration).run()
            await redis.close()
            await pool.close()
            logger.info("ngeneahub stopped")
        }
    }

    /// Applies pending database migrations and exits.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

        func run() async throws {
            let configuration = try loadHubConfiguration()
            let logger = Logger(label: "ngeneahub")
            let pool = try await openDatabase(configuration, logger: logger)
            await pool.close()
            print("database is at schema version \(HubMigrations.all.last?.version ?? 0)")
        }
    }
}

/// Keeps memory the hub frees for reuse instead of giving it back to the system at once. Applying a batch
/// of results builds and frees buffers of a few MB (query parameters, replies); glibc returned them and
/// the next batch faulted them in again, page by page: a tenth of the hub's CPU on a busy job. Now blocks
/// under 32 MiB come from the heap, and the heap is trimmed only past 64 MiB free at its top (the hub's
/// peak resident size on the 100,000-file benchmark went from about 175 to about 215 MB). glibc only.
func keepFreedMemory() {
    #if canImport(Glibc)
    _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
    _ = mallopt(M_TRIM_THRESHOLD, 64 << 20)
    #endif
}
