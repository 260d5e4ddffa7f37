import Foundation
import Logging
import Postgres
import RedisQueue
import Shared

/// Puts PENDING tasks on their queues: the outbox half of the engine.
///
/// Tasks are created in PostgreSQL first and enqueued after the transaction commits. A task is claimed for
/// a short time (`dispatch_claim`, taken with its insert when its creator sends it, by the sweep otherwise)
/// before its XADD and marked dispatched after it, so two dispatchers never
/// send it together, and one that dies between claim and mark is covered when the claim expires (the
/// task is then sent again; a duplicate entry runs at most once more and its result is dropped by the
/// attempt fencing, as the task is already final).
struct Dispatcher: Sendable {
    let pool: PostgresPool
    let redis: RedisConnection
    let logger: Logger
    /// How long a claim protects a task from other dispatchers.
    static let claimLifetime: Duration = .seconds(30)

    /// Jobs whose tasks may be sent: not paused, pausing, cancelled or finished.
    static let activeJobStates = "('PENDING', 'STARTED')"
    /// End-of-job tasks, sent whatever the job's state (a cancelled snapdiff job still releases its lock).
    static let finalizerTasks = [SnapdiffFinalizer.task]

    /// The task envelope (docs/wire-protocol.md), built by PostgreSQL from the stored JSON so the hub does
    /// not decode and re-encode every path it sends.
    static let envelope = """
        jsonb_build_object(
            'v', \(WireVersion.current), 'task_id', t.task_id, 'attempt', t.attempt, 'jobid', t.job_id,
            'task', t.name, 'queue', t.queue, 'kwargs', t.kwargs, 'paths', t.input, 'stream_results', false,
            'enqueued_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text
        """

    /// Whether task `t` of job `j` may be sent: its job is active, or it is an end-of-job task.
    static func sendable(task t: String = "t", job j: String = "j") -> String {
        "(\(j).state IN \(activeJobStates) OR \(t).name = ANY(ARRAY['\(finalizerTasks.joined(separator: "','"))']))"
    }

    /// `claimLifetime` in seconds, as the SQL that sets claims takes it.
    static var claimSeconds: PostgresBind { .double(Double(claimLifetime.components.seconds)) }

    /// Sends tasks created with a dispatch claim (`NewTask.insert(claimed: true)`) in a transaction that has
    /// committed: the claim was taken with the insert, which spares every task a second write. Those of
    /// jobs paused or cancelled since are released to the sweep; tasks whose claim expired meanwhile are
    /// left to it. Returns the jobs that were paused or cancelled while their tasks were being sent (the
    /// caller takes those tasks back).
    func dispatch(taskIDs: [Int64]) async throws -> Set<Int64> {
        guard !taskIDs.isEmpty else { return [] }
        let rows = try await pool.query(
            """
            SELECT t.id, t.queue, \(Self.sendable()) AS sendable, \(Self.envelope) AS envelope
            FROM tasks t JOIN jobs j ON j.id = t.job_id
            WHERE t.id = ANY($1::int8[]) AND t.state = 'PENDING' AND NOT t.dispatched AND t.dispatch_claim > now()
            """, [.array(taskIDs)])
        var sendable: [PostgresRow] = [], held: [Int64] = []
        for row in rows {
            if try row.decode(Bool.self, "sendable") { sendable.append(row) } else { held.append(try row.decode(Int64.self, "id")) }
        }
        if !held.isEmpty {
            // As if never claimed: the sweep sends them once their job is active again.
            _ = try await pool.execute(
                "UPDATE tasks SET dispatch_claim = NULL WHERE id = ANY($1::int8[]) AND state = 'PENDING' AND NOT dispatched",
                [.array(held)])
        }
        return try await send(sendable)
    }

    /// Sends waiting tasks of active jobs (after a restart, a resume, or a dispatcher that died): the
    /// window is chosen among sendable tasks only, so a paused job's backlog cannot block it. Returns the
    /// jobs paused or cancelled meanwhile, as `dispatch` does.
    func sweep(limit: Int = 5000) async throws -> Set<Int64> {
        let rows = try await pool.query(
            """
            UPDATE tasks t SET dispatch_claim = now() + make_interval(secs => $1)
            FROM jobs j
            WHERE t.id IN (SELECT w.id FROM tasks w JOIN jobs wj ON wj.id = w.job_id
                           WHERE w.state = 'PENDING' AND NOT w.dispatched
                             AND (w.dispatch_claim IS NULL OR w.dispatch_claim < now())
                             AND \(Self.sendable(task: "w", job: "wj"))
                           ORDER BY w.id LIMIT $2)
              AND j.id = t.job_id AND \(Self.sendable())
              AND t.state = 'PENDING' AND NOT t.dispatched
              AND (t.dispatch_claim IS NULL OR t.dispatch_claim < now())
            RETURNING t.id, t.queue, \(Self.envelope) AS envelope
            """, [Self.claimSeconds, .int(limit)])
        return try await send(Array(rows))
    }

    /// XADDs claimed tasks (rows of `id`, `queue`, `envelope`) and marks them dispatched.
    private func send(_ rows: [PostgresRow]) async throws -> Set<Int64> {
        guard !rows.isEmpty else { return [] }
        var byQueue: [String: [(id: Int64, payload: [UInt8])]] = [:]
        for row in rows {
            byQueue[try row.decode(String.self, "queue"), default: []].append(
                (try row.decode(Int64.self, "id"), Array(try row.decode(String.self, "envelope").utf8)))
        }
        var sent: [Int64] = []
        for (queue, tasks) in byQueue {
            let stream = ReliableQueue(name: queue, connection: redis, logger: logger)
            // Redis runs a MULTI without interruption: keep each one to a few thousand entries. Each chunk is
            // marked as soon as it is on its queue, so a later failure does not send it twice.
            for start in stride(from: 0, to: tasks.count, by: 2000) {
                let chunk = tasks[start..<min(start + 2000, tasks.count)]
                let entries = try await stream.enqueueMany(chunk.map(\.payload))
                _ = try await pool.execute(
                    """
                    UPDATE tasks SET dispatched = true, entry_id = x.entry, dispatch_claim = NULL
                    FROM unnest($1::int8[], $2::text[]) AS x(id, entry)
                    WHERE tasks.id = x.id AND tasks.state = 'PENDING'
                    """, [.array(chunk.map(\.id)), .array(entries)])
                sent += chunk.map(\.id)
            }
        }
        logger.debug("dispatched \(sent.count) tasks to \(byQueue.count) queues")
        // A pause or cancel that committed while these were claimed could not see them yet.
        let inactive = try await pool.query(
            """
            SELECT DISTINCT t.job_id FROM tasks t JOIN jobs j ON j.id = t.job_id
            WHERE t.id = ANY($1::int8[]) AND j.state IN ('PAUSING', 'PAUSED', 'DEQUEUING', 'CANCELLED')
            """, [.array(sent)]
        ).decodeColumn(Int64.self, "job_id")
        return Set(inactive)
    }
}
