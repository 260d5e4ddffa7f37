import Foundation
import Postgres
import Synchronization
import Testing

/// Counts outcomes of concurrent pool calls.
final class Outcomes: Sendable {
    let finished = Atomic<Int>(0)
    let counts = Mutex<[String: Int]>([:])

    func record(_ outcome: String) {
        counts.withLock { $0[outcome, default: 0] += 1 }
        finished.add(1, ordering: .sequentiallyConsistent)
    }

    var snapshot: [String: Int] { counts.withLock { $0 } }

    /// Runs `body` and records how it ended: "served", "cancelled", or the `PostgresError` code.
    func run(_ body: () async throws -> Void) async {
        do {
            try await body()
            record("served")
        } catch let error as PostgresError {
            record("\(error.code)")
        } catch is CancellationError {
            record("cancelled")
        } catch {
            record("unexpected: \(error)")
        }
    }
}

/// Hammers the pool's hand-over logic (checkout, waiting, timeouts, cancellation, close, deinit)
/// while the cooperative thread pool is deliberately starved, so that continuations are resumed late
/// and in every order. A lost wake-up shows up as a waiter that never finishes (reported after a
/// generous deadline rather than hanging the run).
@Suite("Connection pool under stress")
struct PoolStressTests {
    /// A checkout timeout of zero fires as soon as its timer task runs, racing the waiter's own
    /// registration; cancellations race it too. Every waiter must fail while the only connection is
    /// held: none may miss its timeout and be served later.
    @Test(.timeLimit(.minutes(3)))
    func timeoutsAndCancellationsAreNeverLost() async throws {
        var configuration = try TestDatabase.configuration(poolSize: 1)
        configuration.checkoutTimeout = .zero
        let pool = PostgresPool(configuration: configuration, logger: TestDatabase.logger)
        let gate = Gate()
        let holder = Task { try await pool.withConnection { _ in gate.wait() } }
        let outcomes = Outcomes()
        let rounds = 4
        let perRound = 250
        do {
            try await waitUntil("the holder has the connection") { pool.statistics.inUse == 1 }
            for round in 0..<rounds {
                let blockers = (0..<2).map { _ in Task { await starveCooperativePool(bursts: 5, burst: 10_000) } }
                var waiters: [Task<Void, Never>] = []
                for index in 0..<perRound {
                    let waiter = Task { await outcomes.run { try await pool.execute("SELECT 1") } }
                    if index % 4 == round % 4 { waiter.cancel() }
                    waiters.append(waiter)
                    // Half the waiters arrive in a burst, the other half one by one, so that a timer
                    // task often finds an idle thread while its waiter is still registering.
                    if index >= perRound / 2 { try await Task.sleep(for: .microseconds(Int.random(in: 0...200))) }
                }
                try await waitUntil("every waiter of round \(round) has timed out or been cancelled (\(outcomes.snapshot))") {
                    outcomes.finished.load(ordering: .sequentiallyConsistent) == (round + 1) * perRound
                }
                for blocker in blockers { await blocker.value }
                _ = waiters
            }
        } catch {
            gate.open()
            _ = try? await holder.value
            await pool.close()
            throw error
        }
        #expect(pool.statistics.inUse == 1)
        #expect(pool.statistics.waiting == 0)
        gate.open()
        _ = try await holder.value
        let counts = outcomes.snapshot
        #expect(counts["served"] == nil, "\(counts)")
        #expect(counts.keys.allSatisfy { $0 == "checkoutTimeout" || $0 == "cancelled" }, "\(counts)")
        #expect(counts.values.reduce(0, +) == rounds * perRound)
        #expect(try await pool.execute("SELECT 1") == 1)
        await pool.close()
    }

    /// Many pools, many borrowers, random cancellation, checkout timeouts, pools closed while lent
    /// out and waited on, a pool dropped without `close()`, and blocked cooperative threads.
    @Test(.timeLimit(.minutes(5)))
    func manyPoolsBorrowersCancellationsAndClosesNeverHang() async throws {
        let pools = try (0..<6).map { index in
            var configuration = try TestDatabase.configuration(poolSize: 1 + index % 3)
            configuration.checkoutTimeout = index % 2 == 0 ? nil : .milliseconds(1 + 15 * index)
            return PostgresPool(configuration: configuration, logger: TestDatabase.logger)
        }
        let outcomes = Outcomes()
        let borrowers = 600
        let blockers = (0..<2).map { _ in Task { await starveCooperativePool(bursts: 40, burst: 20_000) } }

        var tasks: [Task<Void, Never>] = []
        var closers: [Task<Void, Never>] = []
        for index in 0..<borrowers {
            let pool = pools[Int.random(in: 0..<pools.count)]
            let kind = Int.random(in: 0..<4)
            let task = Task {
                await outcomes.run {
                    switch kind {
                    case 0: try await pool.withConnection { _ in _ = usleep(useconds_t.random(in: 0...2_000)) }
                    case 1: try await pool.execute("SELECT 1")
                    case 2: _ = try await pool.transaction { try $0.execute("SELECT 1") }
                    default:
                        try await Task.sleep(for: .microseconds(Int.random(in: 0...3_000)))
                        try await pool.execute("SELECT 1")
                    }
                }
            }
            tasks.append(task)
            if index % 5 == 0 {
                let victim = tasks[Int.random(in: 0..<tasks.count)]
                Task {
                    try? await Task.sleep(for: .microseconds(Int.random(in: 0...2_000)))
                    victim.cancel()
                }
            }
            // Close two pools while they are lent out and waited on.
            if index == borrowers / 3 { closers.append(Task { await pools[0].close() }) }
            if index == borrowers / 2 { closers.append(Task { await pools[3].close() }) }
        }

        // A pool that is dropped, not closed, while borrowers still use it: deinit must not strand them.
        weak var dropped: PostgresPool?
        do {
            let pool = PostgresPool(configuration: try TestDatabase.configuration(poolSize: 2), logger: TestDatabase.logger)
            dropped = pool
            for _ in 0..<20 {
                tasks.append(Task { await outcomes.run { try await pool.withConnection { _ in _ = usleep(500) } } })
            }
        }

        try await waitUntil("every borrower has finished (\(outcomes.snapshot))", timeout: .seconds(120)) {
            outcomes.finished.load(ordering: .sequentiallyConsistent) == tasks.count
        }
        for task in tasks { await task.value }
        for blocker in blockers { await blocker.value }

        let closed = Recorder()
        for pool in pools {
            let closer = Task<Void, Never> {
                await pool.close()
                closed.ticks.add(1, ordering: .sequentiallyConsistent)
            }
            closers.append(closer)
        }
        try await waitUntil("every pool has closed") { closed.ticks.load(ordering: .sequentiallyConsistent) == pools.count }
        for closer in closers { await closer.value }
        for pool in pools {
            #expect(pool.statistics.inUse == 0)
            #expect(pool.statistics.waiting == 0)
            #expect(pool.statistics.idle == 0)
        }
        try await waitUntil("the dropped pool is deallocated") { dropped == nil }

        let counts = outcomes.snapshot
        print("pool stress outcomes: \(counts)")
        #expect(counts.keys.allSatisfy { ["served", "cancelled", "checkoutTimeout", "closed"].contains($0) }, "\(counts)")
        #expect((counts["served"] ?? 0) > 0)
    }
}
