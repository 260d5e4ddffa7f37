import Foundation
import Postgres
import Synchronization
import Testing

/// Shared mutable state for test tasks.
final class Recorder: Sendable {
    let values = Mutex<[Int]>([])
    let ticks = Atomic<Int>(0)
    let stop = Atomic<Bool>(false)
}

@Suite("Connection pool")
struct PoolTests {
    @Test func fiftyConcurrentTasksOverFourConnections() async throws {
        try await TestDatabase.withSchema(poolSize: 4) { pool, _ async throws in
            let results = try await withThrowingTaskGroup(of: (Int, Int, Int32).self) { group in
                for index in 0..<50 {
                    group.addTask {
                        try await pool.withConnection { connection in
                            let value = try connection.query("SELECT $1::int + 1 AS v, pg_sleep(0.01)", [.int(index)])[0]
                                .decode(Int.self, "v")
                            return (index, value, connection.backendPID)
                        }
                    }
                }
                var results: [(Int, Int, Int32)] = []
                for try await result in group { results.append(result) }
                return results
            }
            #expect(results.count == 50)
            #expect(results.allSatisfy { $0.1 == $0.0 + 1 })
            #expect(Set(results.map(\.2)).count <= 4)
            let statistics = pool.statistics
            #expect(statistics.slots <= 4)
            #expect(statistics.inUse == 0)
            #expect(statistics.waiting == 0)
        }
    }

    /// Four statements blocked inside libpq at once (more than this machine's two cooperative
    /// threads) must not stall other async work: while all four wait on an advisory lock held by the
    /// test, a ticker keeps ticking and the test itself keeps polling. Asserts progress and order,
    /// not wall-clock bounds, so a loaded machine cannot make it fail.
    @Test(.timeLimit(.minutes(3)))
    func blockingQueriesDoNotStallOtherAsyncWork() async throws {
        try await TestDatabase.withSchema(poolSize: 4) { pool, _ async throws in
            let key = TestDatabase.randomLockKey()
            let session = pool.makeSession(name: "lock-holder")
            #expect(try await session.tryAdvisoryLock(key: key))
            let recorder = Recorder()
            let ticker = Task {
                while !recorder.stop.load(ordering: .relaxed) {
                    try? await Task.sleep(for: .milliseconds(10))
                    recorder.ticks.add(1, ordering: .relaxed)
                }
            }
            let blocked = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 {
                        group.addTask { try await pool.execute("SELECT pg_advisory_xact_lock($1)", [.int64(key)]) }
                    }
                    try await group.waitForAll()
                }
                recorder.values.withLock { $0.append(1) }
            }
            do {
                try await waitUntil("four statements wait for the lock") {
                    pool.statistics.inUse == 4
                }
                var waiting = 0
                let deadline = ContinuousClock.now + .seconds(60)
                while waiting < 4, ContinuousClock.now < deadline {
                    waiting = try await session.query(
                        """
                        SELECT count(*) AS n FROM pg_locks
                        WHERE locktype = 'advisory' AND NOT granted AND ((classid::bigint << 32) | objid::bigint) = $1
                        """,
                        [.int64(key)])[0].decode(Int.self, "n")
                    if waiting < 4 { try await Task.sleep(for: .milliseconds(10)) }
                }
                #expect(waiting == 4)
                // All four connection threads are now blocked in libpq; async work must go on.
                let ticksBefore = recorder.ticks.load(ordering: .relaxed)
                try await waitUntil("the ticker advances while the statements are blocked") {
                    recorder.ticks.load(ordering: .relaxed) >= ticksBefore + 5
                }
                #expect(recorder.values.withLock { $0.isEmpty }, "the statements cannot finish before the lock is released")
            } catch {
                await session.close()
                recorder.stop.store(true, ordering: .relaxed)
                _ = try? await blocked.value
                throw error
            }
            await session.close()  // releases the lock: the four statements now take it in turn
            try await blocked.value
            recorder.stop.store(true, ordering: .relaxed)
            await ticker.value
            #expect(pool.statistics.inUse == 0)
        }
    }

    @Test func recoversAfterBackendIsTerminatedFromOutside() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let admin = try TestDatabase.adminPool()
            do {
                try await terminateAndReconnect(pool: pool, admin: admin)
            } catch {
                await admin.close()
                throw error
            }
            await admin.close()
        }
    }

    private func terminateAndReconnect(pool: PostgresPool, admin: PostgresPool) async throws {
        do {
            let oldPID = try await pool.withConnection { $0.backendPID }
            let terminated = try await admin.query("SELECT pg_terminate_backend($1) AS ok", [.int32(oldPID)])
            #expect(try terminated[0].decode(Bool.self, "ok"))
            // Wait until the server has really ended the backend.
            for _ in 0..<100 {
                let alive = try await admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1", [.int32(oldPID)])
                if try alive[0].decode(Int.self, "n") == 0 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let row = try await pool.query("SELECT pg_backend_pid() AS pid, 41 + 1 AS answer")
            #expect(try row[0].decode(Int.self, "answer") == 42)
            #expect(try row[0].decode(Int32.self, "pid") != oldPID)
        }
    }

    @Test func recoversWhenTheConnectionDiesMidStatement() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let error = await #expect(throws: PostgresError.self) {
                try await pool.execute("SELECT pg_terminate_backend(pg_backend_pid())")
            }
            #expect(error?.isConnectionError == true)
            let answer = try await pool.query("SELECT 42 AS answer")[0].decode(Int.self, "answer")
            #expect(answer == 42)
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func waitersAreServedInArrivalOrder() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let order = Recorder()
            let gate = Gate()
            defer { gate.open() }
            let holder = Task { try await pool.withConnection { _ in gate.wait() } }
            try await waitUntil("the holder has the connection") { pool.statistics.inUse == 1 }
            var waiters: [Task<Void, any Error>] = []
            for index in 0..<5 {
                waiters.append(Task {
                    try await pool.withConnection { _ in order.values.withLock { $0.append(index) } }
                })
                try await waitUntil("waiter \(index) is queued") { pool.statistics.waiting == index + 1 }
            }
            gate.open()
            #expect(try await holder.value)
            for waiter in waiters { try await waiter.value }
            #expect(order.values.withLock { $0 } == [0, 1, 2, 3, 4])
        }
    }

    /// The connection is held (by a gate, not a sleep) until the waiter has failed, so the outcome
    /// does not depend on how fast this machine schedules the timer.
    @Test(.timeLimit(.minutes(3)))
    func checkoutTimesOutWithAClearError() async throws {
        try await TestDatabase.withSchema(poolSize: 1, checkoutTimeout: .milliseconds(200)) { pool, _ async throws in
            let gate = Gate()
            defer { gate.open() }
            let holder = Task { try await pool.withConnection { _ in gate.wait() } }
            try await waitUntil("the holder has the connection") { pool.statistics.inUse == 1 }
            let error = await #expect(throws: PostgresError.self) { try await pool.execute("SELECT 1") }
            #expect(error?.code == .checkoutTimeout)
            #expect(error?.message.contains("pool size 1") == true)
            #expect(pool.statistics.waiting == 0)
            #expect(pool.statistics.inUse == 1)
            gate.open()
            #expect(try await holder.value)
            #expect(try await pool.execute("SELECT 1") == 1)
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func cancelledWaiterLeavesTheQueue() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let gate = Gate()
            defer { gate.open() }
            let holder = Task { try await pool.withConnection { _ in gate.wait() } }
            try await waitUntil("the holder has the connection") { pool.statistics.inUse == 1 }
            let waiter = Task { try await pool.execute("SELECT 1") }
            try await waitUntil("the waiter is queued") { pool.statistics.waiting == 1 }
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(pool.statistics.waiting == 0)
            gate.open()
            #expect(try await holder.value)
            #expect(try await pool.execute("SELECT 1") == 1)
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func closedPoolRefusesWorkAndClosingWaitsForBorrowers() async throws {
        let pool = PostgresPool(configuration: try TestDatabase.configuration(poolSize: 1), logger: TestDatabase.logger)
        let gate = Gate()
        defer { gate.open() }
        let running = Task {
            try await pool.withConnection { connection in
                gate.wait()
                return try connection.query("SELECT 7 AS seven")[0].decode(Int.self, "seven")
            }
        }
        try await waitUntil("the borrower has the connection") { pool.statistics.inUse == 1 }
        let waiter = Task { try await pool.execute("SELECT 1") }
        try await waitUntil("the waiter is queued") { pool.statistics.waiting == 1 }
        let closed = Recorder()
        let closer = Task {
            await pool.close()
            closed.stop.store(true, ordering: .sequentiallyConsistent)
        }
        // The waiter is failed at once; close() itself must wait for the borrower.
        let waiterError = await #expect(throws: PostgresError.self) { try await waiter.value }
        #expect(waiterError?.code == .closed)
        let refused = await #expect(throws: PostgresError.self) { try await pool.execute("SELECT 1") }
        #expect(refused?.code == .closed)
        let closedEarly = closed.stop.load(ordering: .sequentiallyConsistent)
        #expect(!closedEarly, "close() returned while a connection was still lent out")
        gate.open()
        #expect(try await running.value == 7)
        await closer.value
        let closedAtLast = closed.stop.load(ordering: .sequentiallyConsistent)
        #expect(closedAtLast)
        #expect(pool.statistics.inUse == 0)
        await pool.close()
    }

    @Test func connectionFailureIsReportedClearly() async throws {
        var configuration = try TestDatabase.configuration(poolSize: 1)
        configuration.database = "no_such_database_\(UInt32.random(in: 0...UInt32.max))"
        configuration.password = "hunter2-secret"
        let pool = PostgresPool(configuration: configuration, logger: TestDatabase.logger)
        let error = await #expect(throws: PostgresError.self) { try await pool.execute("SELECT 1") }
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.contains(configuration.database) == true)
        #expect(error.map { "\($0)" }?.contains("hunter2-secret") == false)
        await pool.close()
    }
}
