import Foundation
import RedisQueue
import Testing

/// A real `ngeneahub` on a fresh database with an administrator made by `ngeneahub createsuperuser`
/// (password on standard input), for the API's integration tests.
final class TestHub: @unchecked Sendable {
    // Used by one test at a time; the process wrapper reads only state Foundation synchronises.
    static let adminUsername = "admin"
    static let adminPassword = "Adm1n-Pa55word!"
    /// Fast hashing for tests; production's default is Django's 870000 (a HubServerTests vector covers it).
    static let testIterations = "1000"

    let url: String
    let database: ScratchDatabase
    let redis: ScratchRedis
    let logs: URL
    let environment: [String: String]
    private(set) var processes: [ManagedProcess] = []

    var api: APIClient { APIClient(base: url) }
    var process: ManagedProcess { processes[0] }

    private init(url: String, database: ScratchDatabase, redis: ScratchRedis, logs: URL, environment: [String: String]) {
        self.url = url
        self.database = database
        self.redis = redis
        self.logs = logs
        self.environment = environment
    }

    /// The Redis database every API test hub uses. These hubs only keep their (idle) results consumer
    /// there, so they share it, and it is never flushed under another test's feet. Other suites flush
    /// theirs: 1-4 (hub, worker, secrets), 8-10, 12 and 13 (worker crash, reload, plugins).
    static let redisIndex = 5

    /// Creates the database, the administrator, and starts one hub.
    /// `privateRedis`: a Redis database of the hub's own (flushed), for hubs that run jobs: their result
    /// streams must not be shared with other tests' hubs.
    static func start(environment extra: [String: String] = [:], privateRedis: Int? = nil) async throws -> TestHub {
        let database = try await ScratchDatabase.create()
        let redis: ScratchRedis
        if let privateRedis {
            redis = try await ScratchRedis.create(index: privateRedis)
        } else {
            redis = try ScratchRedis.shared(index: redisIndex)
        }
        let logs = try TestEnvironment.temporaryDirectory("hub")
        var environment = [
            "NGENEA_DATABASE_URL": database.url, "NGENEA_REDIS_URL": redis.url, "NGENEAHUB_HOST": "127.0.0.1",
            "NGENEAHUB_CONFIG": "/dev/null", "NGENEAHUB_PASSWORD_ITERATIONS": testIterations,
        ]
        environment.merge(extra) { _, new in new }
        let created = try await runTool(
            TestEnvironment.executable("ngeneahub"), ["createsuperuser", "--username", adminUsername, "--email", "admin@example.com"],
            environment: environment, input: adminPassword + "\n")
        guard created.status == 0 else {
            await database.drop()
            throw TestFailure("createsuperuser failed (\(created.status)): \(created.output)")
        }
        let port = try TestEnvironment.freePort()
        let hub = TestHub(url: "http://127.0.0.1:\(port)", database: database, redis: redis, logs: logs, environment: environment)
        do {
            try await hub.startReplica(port: port)
        } catch {
            await hub.stop(expectCleanExit: false)
            throw error
        }
        return hub
    }

    /// Starts another hub process on the same database and Redis (a replica); returns its base URL.
    @discardableResult
    func startReplica(port: Int? = nil) async throws -> String {
        let port = try port ?? TestEnvironment.freePort()
        var environment = environment
        environment["NGENEAHUB_PORT"] = "\(port)"
        let process = try ManagedProcess(
            name: "ngeneahub-\(processes.count)", executable: TestEnvironment.executable("ngeneahub"), arguments: ["serve"],
            environment: environment, logDirectory: logs)
        processes.append(process)
        let base = "http://127.0.0.1:\(port)"
        let up = try await eventually(timeout: .seconds(30)) { try await HTTP.get(base + "/api/schema/").status == 200 }
        guard up else { throw TestFailure("hub did not answer:\n\(process.log)") }
        return base
    }

    /// Every hub process's log so far.
    var log: String { processes.map(\.log).joined(separator: "\n") }

    /// Stops the hubs (expecting a clean exit on SIGTERM), drops the database, removes the logs.
    func stop(expectCleanExit: Bool = true) async {
        await stopProcesses(expectCleanExit: expectCleanExit)
        await cleanUp()
    }

    func stopProcesses(expectCleanExit: Bool = true) async {
        for process in processes {
            let status = await process.stop()
            if expectCleanExit { #expect(status == 0, "hub did not stop cleanly on SIGTERM:\n\(process.log)") }
        }
    }

    func cleanUp() async {
        await database.drop()
        try? FileManager.default.removeItem(at: logs)
    }

    /// Logs in; returns the access and refresh tokens.
    func login(_ username: String = adminUsername, _ password: String = adminPassword) async throws -> (access: String, refresh: String) {
        let response = try await api.post("/api/auth/token/", ["username": username, "password": password])
        guard response.status == 200, let access = response.object["access"] as? String,
            let refresh = response.object["refresh"] as? String
        else { throw TestFailure("login as \(username) failed: \(response.status) \(response.text)") }
        return (access, refresh)
    }

    /// The API as the administrator (with a JWT).
    func admin() async throws -> APIClient { api.bearer(try await login().access) }

    /// Creates a user in `groups` through the API and returns the API as them.
    func user(_ username: String, password: String = "Us3r-Pa55word!", groups: [String] = ["Users"], admin: APIClient) async throws
        -> APIClient
    {
        let created = try await admin.post("/api/users/", ["username": username, "password": password, "groups": groups])
        guard created.status == 201 else { throw TestFailure("creating \(username): \(created.status) \(created.text)") }
        return api.bearer(try await login(username, password).access)
    }

    /// Fails the test if any of `secrets` appears in a hub log.
    func expectNoSecretsInLog(_ secrets: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let text = log
        for secret in secrets where !secret.isEmpty {
            #expect(!text.contains(secret), "a secret (\(secret.prefix(4))...) appeared in the hub log", sourceLocation: sourceLocation)
        }
    }
}

/// Runs `body` with a started hub, then stops it (also when `body` throws) and checks the log for the
/// secrets `body` returns (and the administrator's password).
func withTestHub(
    environment: [String: String] = [:], privateRedis: Int? = nil, _ body: (TestHub) async throws -> [String]
) async throws {
    let hub = try await TestHub.start(environment: environment, privateRedis: privateRedis)
    let secrets: [String]
    do {
        secrets = try await body(hub)
    } catch {
        await hub.stop(expectCleanExit: false)
        throw error
    }
    // The whole log, up to the last line written at shutdown, is scanned.
    await hub.stopProcesses()
    hub.expectNoSecretsInLog(secrets + [TestHub.adminPassword])
    await hub.cleanUp()
}

extension ScratchRedis {
    /// A Redis database shared by several tests: not flushed.
    static func shared(index: Int) throws -> ScratchRedis {
        var components = URLComponents(string: TestEnvironment.redisURL)
        components?.path = "/\(index)"
        guard let url = components?.string else { throw TestFailure("cannot build a Redis URL") }
        return ScratchRedis(url: url, configuration: try RedisConfiguration(url: url))
    }
}
