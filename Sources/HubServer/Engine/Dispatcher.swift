import Foundation
import Logging
import Postgres
import RedisQueue
import Shared

/// Puts PENDING tasks on their queues: the outbox half of the engine.
///
/// Tasks are created in PostgreSQL first and enqueued after the transaction commits. The creator inserts
/// the open ones `dispatched` together with a `dispatch_outbox` row for the batch, claimed for a short
/// time (`claimLifetime`); after the commit it XADDs them and deletes the row (`send`), so sending writes
/// no task row again. A row whose claim expired (its hub died between commit and XADD, or Redis failed)
/// returns its tasks to waiting, and the sweep sends them under an outbox row of its own (a task that did
/// reach its queue before is then queued twice: the duplicate runs at most once more and its result is
/// dropped by the attempt fencing, as the task is already final).
struct Dispatcher: Sendable {
    let pool: PostgresPool
    let redis: RedisConnection
    let logger: Logger
    /// How long an outbox row keeps its tasks from other dispatchers.
    static let claimLifetime: Duration = .seconds(30)

    /// Jobs whose tasks may be sent: not paused, pausing, cancelled or finished.
    static let activeJobStates = "('PENDING', 'STARTED')"
    /// Jobs whose queued tasks are taken back (`WorkflowEngine.retract`).
    static let stoppedJobStates = "('PAUSING', 'PAUSED', 'DEQUEUING', 'CANCELLED')"
    /// End-of-job tasks, sent whatever the job's state (a cancelled snapdiff job still releases its lock).
    static let finalizerTasks = [SnapdiffFinalizer.task]

    /// Whether task `t` of job `j` may be sent: its job is active, or it is an end-of-job task.
    static func sendable(task t: String = "t", job j: String = "j") -> String {
        "(\(j).state IN \(activeJobStates) OR \(t).name = ANY(ARRAY['\(finalizerTasks.joined(separator: "','"))']))"
    }

    /// `claimLifetime` in seconds, as the SQL that sets claims takes it.
    static var claimSeconds: PostgresBind { .double(Double(claimLifetime.components.seconds)) }

    /// Sends outbox batches whose transactions have committed and deletes their outbox rows.
    ///
    /// First, in one round trip, it renews the claims of the rows still live and reads which of the jobs
    /// are stopped. A row that expired on the way belongs to the sweep now, which may have sent its tasks:
    /// it is left alone. Tasks of jobs paused or cancelled since they were created are held back (as if
    /// never sent; the sweep sends them once the job is active again): on the queue, a waiting worker would
    /// take them before anything could take them back. On a Redis failure the tasks already on their queues
    /// are struck from their rows, and the rest wait for the rows to expire.
    ///
    /// Returns the jobs to take back and settle: those whose tasks were held, and those stopped by now (a
    /// pause or cancel that committed after the check could not see these tasks).
    func send(_ batches: [OutboxBatch]) async throws -> Set<Int64> {
        guard !batches.isEmpty else { return [] }
        let jobs = Set(batches.lazy.flatMap(\.tasks).map(\.job))
        guard
            let check = try await pool.query(
                """
                WITH live AS (
                    UPDATE dispatch_outbox SET claim_until = now() + make_interval(secs => $2)
                    WHERE id = ANY($1::int8[]) AND claim_until > now() RETURNING id
                )
                SELECT ARRAY(SELECT id FROM live) AS live,
                       ARRAY(SELECT id FROM jobs WHERE id = ANY($3::int8[]) AND state IN \(Self.stoppedJobStates)) AS stopped
                """, [.array(batches.map(\.rowID)), Self.claimSeconds, .array(Array(jobs))]
            ).first
        else { return [] }
        let live = Set(try check.decode([Int64].self, "live"))
        let stopped = Set(try check.decode([Int64].self, "stopped"))
        let mine = batches.filter { live.contains($0.rowID) }
        var held: [OutgoingTask] = []
        var byQueue: [String: [OutgoingTask]] = [:]
        for task in mine.lazy.flatMap(\.tasks) {
            if task.retractable && stopped.contains(task.job) { held.append(task) } else { byQueue[task.queue, default: []].append(task) }
        }
        if !held.isEmpty {
            _ = try await pool.execute(
                "UPDATE tasks SET dispatched = false WHERE id = ANY($1::int8[]) AND state = 'PENDING'", [.array(held.map(\.id))])
        }
        let rowIDs = mine.map(\.rowID)
        var sent: [OutgoingTask] = []
        do {
            for (queue, tasks) in byQueue {
                let stream = ReliableQueue(name: queue, connection: redis, logger: logger)
                // Redis runs a MULTI without interruption: keep each one to a few thousand entries.
                for start in stride(from: 0, to: tasks.count, by: 2000) {
                    let chunk = tasks[start..<min(start + 2000, tasks.count)]
                    _ = try await stream.enqueueMany(entries: chunk.map(\.entry))
                    sent += chunk
                }
            }
        } catch {
            if !sent.isEmpty {
                _ = try? await pool.execute(
                    """
                    UPDATE dispatch_outbox SET tasks = ARRAY(SELECT unnest(tasks) EXCEPT SELECT unnest($2::int8[]))
                    WHERE id = ANY($1::int8[])
                    """, [.array(rowIDs), .array(sent.map(\.id))])
            }
            throw error
        }
        if !rowIDs.isEmpty {
            _ = try await pool.execute("DELETE FROM dispatch_outbox WHERE id = ANY($1::int8[])", [.array(rowIDs)])
        }
        logger.debug("dispatched \(sent.count) tasks to \(byQueue.count) queues; held back \(held.count)")
        let sentJobs = Set(sent.lazy.filter(\.retractable).map(\.job))
        guard !sentJobs.isEmpty else { return Set(held.map(\.job)) }
        let stoppedSince = try await pool.query(
            "SELECT id FROM jobs WHERE id = ANY($1::int8[]) AND state IN \(Self.stoppedJobStates)", [.array(Array(sentJobs))]
        ).decodeColumn(Int64.self, "id")
        return Set(held.map(\.job)).union(stoppedSince)
    }

    /// Sends waiting tasks of active jobs (after a restart, a resume, or a dispatcher that died): first
    /// the tasks of expired outbox rows wait again, then a window of waiting tasks, chosen among sendable
    /// ones only so that a paused job's backlog cannot block it, is claimed under a new outbox row and sent.
    /// Returns the jobs paused or cancelled meanwhile, as `send` does.
    func sweep(limit: Int = 5000) async throws -> Set<Int64> {
        try await pool.execute(
            """
            WITH expired AS (DELETE FROM dispatch_outbox WHERE claim_until < now() RETURNING tasks)
            UPDATE tasks SET dispatched = false
            WHERE id IN (SELECT unnest(tasks) FROM expired) AND state = 'PENDING' AND dispatched
            """)
        let rows = try await pool.query(
            """
            WITH picked AS (
                UPDATE tasks t SET dispatched = true
                FROM jobs j
                WHERE t.id IN (SELECT w.id FROM tasks w JOIN jobs wj ON wj.id = w.job_id
                               WHERE w.state = 'PENDING' AND NOT w.dispatched AND \(Self.sendable(task: "w", job: "wj"))
                               ORDER BY w.id LIMIT $2)
                  AND j.id = t.job_id AND \(Self.sendable()) AND t.state = 'PENDING' AND NOT t.dispatched
                RETURNING t.id, t.task_id, t.attempt, t.job_id, t.name, t.queue, t.kwargs::text AS kwargs, t.input::text AS input
            ), outbox AS (
                INSERT INTO dispatch_outbox (tasks, claim_until)
                SELECT array_agg(id), now() + make_interval(secs => $1) FROM picked HAVING count(*) > 0
                RETURNING id
            )
            SELECT p.*, (SELECT id FROM outbox) AS outbox FROM picked p ORDER BY p.id
            """, [Self.claimSeconds, .int(limit)])
        guard let rowID = try rows.first?.decode(Int64.self, "outbox") else { return [] }
        let enqueuedAt = WireCoding.formatDate(Date())
        let tasks = try rows.map { row in
            OutgoingTask(
                id: try row.decode(Int64.self, "id"), taskID: try row.decode(String.self, "task_id"),
                attempt: try row.decode(Int.self, "attempt"), job: try row.decode(Int64.self, "job_id"),
                name: try row.decode(String.self, "name"), queue: try row.decode(String.self, "queue"),
                kwargs: Array(try row.decode(String.self, "kwargs").utf8), paths: Array(try row.decode(String.self, "input").utf8),
                enqueuedAt: enqueuedAt)
        }
        return try await send([OutboxBatch(rowID: rowID, tasks: tasks)])
    }
}
