import Foundation
import RedisQueue
import Shared
import Testing

/// The hub and the worker as real processes against the real PostgreSQL and Redis.
@Suite struct HubWorkerTests {
    /// Starts a hub on a fresh database and Redis db with an administrator (`ngeneahub createsuperuser`),
    /// waits until it answers, runs `body` with the administrator's `Authorization` header, stops it.
    func withHub(
        redisIndex: Int,
        _ body: (_ hubURL: String, _ redis: ScratchRedis, _ logs: URL, _ auth: [String: String]) async throws -> Void
    ) async throws {
        let database = try await ScratchDatabase.create()
        let redis = try await ScratchRedis.create(index: redisIndex)
        let logs = try TestEnvironment.temporaryDirectory("hub")
        let port = try TestEnvironment.freePort()
        let environment = [
            "NGENEA_DATABASE_URL": database.url, "NGENEA_REDIS_URL": redis.url, "NGENEAHUB_PORT": "\(port)",
            "NGENEAHUB_HOST": "127.0.0.1", "NGENEAHUB_CONFIG": "/dev/null", "NGENEAHUB_PASSWORD_ITERATIONS": "1000",
        ]
        let created = try await runTool(
            TestEnvironment.executable("ngeneahub"), ["createsuperuser", "--username", TestHub.adminUsername],
            environment: environment, input: TestHub.adminPassword + "\n")
        #expect(created.status == 0, "createsuperuser: \(created.output)")
        let hub = try ManagedProcess(
            name: "ngeneahub", executable: TestEnvironment.executable("ngeneahub"), arguments: ["serve"],
            environment: environment, logDirectory: logs)
        let hubURL = "http://127.0.0.1:\(port)"
        do {
            let up = try await eventually { try await HTTP.get(hubURL + "/api/schema/").status == 200 }
            #expect(up, "hub did not answer: \(hub.log)")
            let login = try await APIClient(base: hubURL).post(
                "/api/auth/token/", ["username": TestHub.adminUsername, "password": TestHub.adminPassword])
            let access = try #require(login.object["access"] as? String, "login failed: \(login.text)")
            try await body(hubURL, redis, logs, ["Authorization": "Bearer \(access)"])
        } catch {
            await hub.stop()
            await database.drop()
            throw error
        }
        let status = await hub.stop()
        #expect(status == 0, "hub did not stop cleanly on SIGTERM: \(hub.log)")
        await database.drop()
        try? await redis.flush()
        try? FileManager.default.removeItem(at: logs)
    }

    func writeWorkerConfig(in dir: URL, site: String, node: String, redisURL: String, hubPort: String = "8000") throws -> String {
        let path = dir.appendingPathComponent("worker.conf").path
        try """
        [settings]
        site = \(site)
        api_host = 127.0.0.1
        api_port = \(hubPort)
        broker_url = \(redisURL)
        node_name = \(node)
        heartbeat_interval = 1
        threads = 2

        [Queue bulk]
        threads = 3
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func site(_ name: String, in health: Any) -> [String: Any]? {
        guard let root = health as? [String: Any], let sites = root["site_status"] as? [[String: Any]] else { return nil }
        return sites.first { $0["site"] as? String == name }
    }

    static func node(_ name: String, site: String, in health: Any) -> [String: Any]? {
        (Self.site(site, in: health)?["nodes"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    /// `make run`'s promise: a worker's node shows online in `/api/health/`; when the worker stops (SIGTERM,
    /// clean exit) the node turns offline and the site critical once its heartbeats are overdue.
    @Test func workerHeartbeatsShowInHealthAndStopGracefully() async throws {
        try await withHub(redisIndex: 1) { hubURL, redis, logs, auth in
            let config = try writeWorkerConfig(in: logs, site: "london", node: "it-node-1", redisURL: redis.url)
            let worker = try ManagedProcess(
                name: "ngenea-worker", executable: TestEnvironment.executable("ngenea-worker"),
                arguments: ["run", "--config", config], environment: [:], logDirectory: logs)

            let online = try await eventually {
                let health = try await HTTP.get(hubURL + "/api/health/", headers: auth).json()
                return Self.node("it-node-1", site: "london", in: health)?["online"] as? Bool == true
            }
            #expect(online, "node never came online. worker log:\n\(worker.log)")
            let health = try await HTTP.get(hubURL + "/api/health/", headers: auth).json()
            #expect(Self.site("london", in: health)?["health"] as? String == "ok")
            #expect(Self.node("it-node-1", site: "london", in: health)?["has_default_queue"] as? Bool == true)
            #expect((health as? [String: Any])?["overall_health"] as? String == "ok")

            let status = await worker.stop()
            #expect(status == 0, "worker did not stop cleanly on SIGTERM:\n\(worker.log)")

            let offline = try await eventually(timeout: .seconds(15)) {
                let health = try await HTTP.get(hubURL + "/api/health/", headers: auth).json()
                return Self.node("it-node-1", site: "london", in: health)?["online"] as? Bool == false
                    && Self.site("london", in: health)?["health"] as? String == "critical"
            }
            #expect(offline, "node stayed online after the worker stopped")
        }
    }

    /// The worker consumes its `<site>.<queue>#<function>` streams: a task put on a custom queue is run and
    /// its result arrives on the results stream (a started event too, for a task slower than the grace), with the task acked.
    @Test func workerConsumesItsQueuesAndReportsResults() async throws {
        let redis = try await ScratchRedis.create(index: 2)
        let dir = try TestEnvironment.temporaryDirectory("worker")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try writeWorkerConfig(in: dir, site: "dublin", node: "it-node-2", redisURL: redis.url)
        let worker = try ManagedProcess(
            name: "ngenea-worker", executable: TestEnvironment.executable("ngenea-worker"),
            arguments: ["run", "--config", config], environment: [:], logDirectory: dir)

        let connection = RedisConnection(configuration: redis.configuration)
        let results = ReliableQueue.results(connection: connection, options: .init(group: "it-reader"))
        try await results.ensureGroup()
        let queue = try QueueName(parsing: "dublin.bulk#worker")
        let tasks = ReliableQueue(name: queue.description, connection: connection)
        var expected: Set<String> = []
        for n in 0..<5 {
            let envelope = TaskEnvelope(
                taskID: "task-\(n)", jobID: 42, task: "dynamo.tasks.noop", queue: queue,
                paths: [PathItem(path: "/mmfs1/a\(n)", size: 10), PathItem(path: "/mmfs1/b\(n)")])
            _ = try await tasks.enqueue(try WireCoding.encode(envelope))
            expected.insert("task-\(n)")
        }
        let unknown = TaskEnvelope(taskID: "task-x", jobID: 42, task: "dynamo.tasks.nonesuch", queue: queue, paths: [])
        _ = try await tasks.enqueue(try WireCoding.encode(unknown))

        var started: Set<String> = []
        var finished: [String: TaskResult] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        while finished.count < 6 && ContinuousClock.now < deadline {
            let claim = try await results.claim(consumer: "reader", count: 100, block: .milliseconds(500))
            for delivery in claim.deliveries {
                switch try WireCoding.decode(HubMessage.self, from: delivery.payload) {
                case .started(let event): started.insert(event.taskID)
                case .result(let result): finished[result.taskID] = result
                default: break
                }
            }
            _ = try await results.ack(claim.deliveries.map(\.id))
        }
        // Tasks this quick finish within the started grace: their result is all the hub hears.
        #expect(started.isSubset(of: expected.union(["task-x"])), "worker log:\n\(worker.log)")
        for id in expected {
            let result = try #require(finished[id])
            #expect(result.error == nil)
            #expect(result.attempt == 1)
            #expect(result.status.summary == ["processed": 2])
            // The default hand-on and the input are left to the hub, which stored the input it sent.
            #expect(result.paths == nil)
            #expect(result.status.inputPaths.isEmpty && result.status.inputTotal == 2)
            // Both files processed as listed: the result names the state, not the files (`all_inputs`).
            #expect(result.status.allInputs == "processed" && result.status.details.isEmpty)
            #expect(result.status.passedOnCount == 2)
        }
        #expect(finished["task-x"]?.error?.contains("unknown task 'dynamo.tasks.nonesuch'") == true)
        let acked = try await eventually(timeout: .seconds(5)) {
            let pending = try await tasks.pendingCount()
            let length = try await tasks.length()
            return pending == 0 && length == 0
        }
        #expect(acked, "tasks were not acked")
        let stopped = await worker.stop()
        #expect(stopped == 0)
        await connection.close()
        try await redis.flush()
    }

    /// A broken config stops the worker at start with the file, line and key, exit code 2.
    @Test func brokenWorkerConfigNamesFileLineAndKey() async throws {
        let dir = try TestEnvironment.temporaryDirectory("badconf")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("worker.conf").path
        try "[settings]\nsite = london\napi_host = hub\nthreads = lots\n".write(toFile: path, atomically: true, encoding: .utf8)
        let worker = try ManagedProcess(
            name: "bad-worker", executable: TestEnvironment.executable("ngenea-worker"),
            arguments: ["run", "--config", path], environment: [:], logDirectory: dir)
        let exited = try await eventually(timeout: .seconds(10)) { !worker.isRunning }
        #expect(exited)
        #expect(worker.process.terminationStatus == 2)
        #expect(worker.log.contains("\(path):4: threads: 'lots' is not a whole number"), "log: \(worker.log)")
    }

    /// `ngeneahub migrate` brings a new database to the current schema and is idempotent.
    @Test func hubMigrateCommand() async throws {
        let database = try await ScratchDatabase.create()
        let dir = try TestEnvironment.temporaryDirectory("migrate")
        defer { try? FileManager.default.removeItem(at: dir) }
        for run in 1...2 {
            let migrate = try ManagedProcess(
                name: "migrate-\(run)", executable: TestEnvironment.executable("ngeneahub"), arguments: ["migrate"],
                environment: ["NGENEA_DATABASE_URL": database.url, "NGENEAHUB_CONFIG": "/dev/null"], logDirectory: dir)
            let exited = try await eventually(timeout: .seconds(20)) { !migrate.isRunning }
            #expect(exited)
            #expect(migrate.process.terminationStatus == 0, "\(migrate.log)")
            #expect(migrate.log.contains("database is at schema version"))
        }
        await database.drop()
    }
}
