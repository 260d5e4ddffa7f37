import Foundation
import HubCore
import Logging
import Postgres
import RedisQueue
import Shared

@testable import HubServer

/// What a test works with: the engine on a fresh schema, Redis, and a site name of its own (so its
/// queue streams are its own).
struct EngineFixture {
    let engine: WorkflowEngine
    let pool: PostgresPool
    let redis: RedisConnection
    let site: String

    var queue: ReliableQueue {
        ReliableQueue(name: (try? QueueName(site: site, queue: "default", function: .worker).description) ?? "", connection: redis)
    }

    /// A STARTED job with `count` open migrate tasks (and one SKIPPED one, which is never sent),
    /// inserted for sending. Returns the job and its outbox batch, not yet sent.
    func job(tasks count: Int) async throws -> (id: Int64, batch: OutboxBatch) {
        let site = self.site
        return try await pool.transaction { conn in
            let job = try conn.query(
                "INSERT INTO jobs (workflow_name, site, queue, paths, request, state) VALUES ('migrate', $1, 'default', '[]', '{}', 'STARTED') RETURNING id",
                [.string(site)]
            ).decodeColumn(Int64.self, "id").first ?? 0
            let run = try conn.query(
                "INSERT INTO job_runs (job_id, workflow_name, site, resolved) VALUES ($1, 'migrate', $2, '{}') RETURNING id",
                [.int64(job), .string(site)]
            ).decodeColumn(Int64.self, "id").first ?? 0
            let queue = try QueueName(site: site, queue: "default", function: .worker)
            var tasks = (0..<count).map { index in
                NewTask(
                    jobID: job, runID: run, name: "dynamo.tasks.migrate", kind: .step, queue: queue, kwargs: ["stub_size": 0],
                    input: [PathItem(path: "/mmfs1/job\(job)/f\(index)")])
            }
            var skipped = NewTask(jobID: job, runID: run, name: "dynamo.tasks.recall", kind: .step, queue: queue, kwargs: [:], input: [])
            skipped.state = .skipped
            tasks.append(skipped)
            let inserted = try NewTask.insertForSending(tasks, on: conn)
            var delta = JobSettlement.Delta()
            delta.created = tasks.count
            delta.opened = count
            _ = try JobSettlement.apply(delta, job: job, on: conn)
            guard let batch = inserted.batch else { throw EngineFixture.TestFailure("no outbox batch for \(count) open tasks") }
            return (job, batch)
        }
    }

    /// The queue's entries, oldest first: payload and tags.
    func entries() async throws -> [(payload: [UInt8], job: String, task: String)] {
        let reply = try await redis.command(["XRANGE", queue.streamKey, "-", "+"])
        return (reply.array ?? []).compactMap { entry in
            guard let parts = entry.array, parts.count == 2, let flat = parts[1].array else { return nil }
            var fields: [String: [UInt8]] = [:]
            for index in stride(from: 0, to: flat.count - 1, by: 2) {
                if let name = flat[index].string, let value = flat[index + 1].bytes { fields[name] = value }
            }
            return (fields["payload"] ?? [], String(decoding: fields["job"] ?? [], as: UTF8.self),
                    String(decoding: fields["task"] ?? [], as: UTF8.self))
        }
    }

    /// A worker node on the site with the `default` queue's worker function, so submissions can route.
    func recordWorkerNode() async throws {
        try await NodeStore(pool: pool).record(
            Heartbeat(
                node: "node-1", site: site, softwareVersion: "test",
                queues: [Heartbeat.Queue(queue: "default", functions: ["worker": 8])], sent: Date(), started: Date(), ttl: 60))
    }

    func count(_ sql: String, _ binds: [PostgresBind?] = []) async throws -> Int {
        try await pool.query(sql, binds).decodeColumn(Int.self, "n").first ?? -1
    }

    func state(of job: Int64) async throws -> String {
        try await pool.query("SELECT state FROM jobs WHERE id = $1", [.int64(job)]).decodeColumn(String.self, "state").first ?? ""
    }

    struct TestFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Runs `body` with the engine on a fresh schema (pool of 8, for concurrent appliers), then deletes
    /// the site's queue stream.
    static func with(_ body: (EngineFixture) async throws -> Void) async throws {
        try await TestSchema.with(connections: 8) { pool in
            try await TestSchema.migrate(pool)
            var logger = Logger(label: "engine-tests")
            logger.logLevel = .error
            let url = ProcessInfo.processInfo.environment["NGENEA_TEST_REDIS_URL"] ?? "redis://127.0.0.1:56379/0"
            let redis = RedisConnection(configuration: try RedisConfiguration(url: url), name: "engine-tests", logger: logger)
            let fixture = EngineFixture(
                engine: WorkflowEngine(pool: pool, redis: redis, logger: logger), pool: pool, redis: redis,
                site: "engine" + String(UInt32.random(in: 0...UInt32.max), radix: 16))
            var failure: (any Error)?
            do { try await body(fixture) } catch { failure = error }
            _ = try? await redis.command(["DEL", fixture.queue.streamKey])
            await redis.close()
            if let failure { throw failure }
        }
    }
}
