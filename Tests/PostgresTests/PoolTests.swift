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

    @Test func blockingQueriesDoNotStallOtherAsyncWork() async throws {
        try await TestDatabase.withSchema(poolSize: 4) { pool, _ async throws in
            // Warm the connections so the measurement covers only the sleeps.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { try await pool.execute("SELECT pg_sleep(0.05)") } }
                try await group.waitForAll()
            }
            let recorder = Recorder()
            let ticker = Task {
                while !recorder.stop.load(ordering: .relaxed) {
                    try? await Task.sleep(for: .milliseconds(10))
                    recorder.ticks.add(1, ordering: .relaxed)
                }
            }
            // Four blocking one-second statements: more than this machine's cores, so they would
            // starve the cooperative pool if they ran on it.
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { try await pool.execute("SELECT pg_sleep(1)") } }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - started
            recorder.stop.store(true, ordering: .relaxed)
            await ticker.value
            let count = recorder.ticks.load(ordering: .relaxed)
            print("pg_sleep(1) x4 on a pool of 4 took \(elapsed); ticker advanced \(count) times meanwhile")
            #expect(count >= 20)
            #expect(elapsed < .seconds(3))
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

    @Test func waitersAreServedInArrivalOrder() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let order = Recorder()
            let holder = Task { try await pool.execute("SELECT pg_sleep(0.3)") }
            while pool.statistics.inUse == 0 { try await Task.sleep(for: .milliseconds(5)) }
            var waiters: [Task<Void, any Error>] = []
            for index in 0..<5 {
                waiters.append(Task {
                    try await pool.withConnection { _ in order.values.withLock { $0.append(index) } }
                })
                while pool.statistics.waiting < index + 1 { try await Task.sleep(for: .milliseconds(2)) }
            }
            _ = try await holder.value
            for waiter in waiters { try await waiter.value }
            #expect(order.values.withLock { $0 } == [0, 1, 2, 3, 4])
        }
    }

    @Test func checkoutTimesOutWithAClearError() async throws {
        try await TestDatabase.withSchema(poolSize: 1, checkoutTimeout: .milliseconds(100)) { pool, _ async throws in
            let holder = Task { try await pool.execute("SELECT pg_sleep(0.6)") }
            while pool.statistics.inUse == 0 { try await Task.sleep(for: .milliseconds(5)) }
            let error = await #expect(throws: PostgresError.self) { try await pool.execute("SELECT 1") }
            #expect(error?.code == .checkoutTimeout)
            #expect(pool.statistics.waiting == 0)
            _ = try await holder.value
            #expect(try await pool.execute("SELECT 1") == 1)
        }
    }

    @Test func cancelledWaiterLeavesTheQueue() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let holder = Task { try await pool.execute("SELECT pg_sleep(0.3)") }
            while pool.statistics.inUse == 0 { try await Task.sleep(for: .milliseconds(5)) }
            let waiter = Task { try await pool.execute("SELECT 1") }
            while pool.statistics.waiting == 0 { try await Task.sleep(for: .milliseconds(2)) }
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(pool.statistics.waiting == 0)
            _ = try await holder.value
        }
    }

    @Test func closedPoolRefusesWorkAndClosingWaitsForBorrowers() async throws {
        let pool = PostgresPool(configuration: try TestDatabase.configuration(poolSize: 2), logger: TestDatabase.logger)
        let running = Task { try await pool.query("SELECT pg_sleep(0.2), 7 AS seven")[0].decode(Int.self, "seven") }
        while pool.statistics.inUse == 0 { try await Task.sleep(for: .milliseconds(5)) }
        await pool.close()
        #expect(try await running.value == 7)
        let error = await #expect(throws: PostgresError.self) { try await pool.execute("SELECT 1") }
        #expect(error?.code == .closed)
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
