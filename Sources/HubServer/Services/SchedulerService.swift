import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// The scheduler as a singleton loop across hub replicas: the replica holding the session advisory lock
/// runs it every second (so a schedule fires within a second of its due time); the others wait and take
/// over within a second when the leader's connection goes. Occurrences are also claimed in the database
/// (`schedule_runs`, `policy_runs`), so even a split second with two leaders cannot fire one twice.
struct SchedulerService: Service, CustomStringConvertible {
    var description: String { "SchedulerService" }

    /// The advisory lock key of the scheduler ("ngsched" in ASCII).
    static let lockKey: Int64 = 0x6E67_7363_6865_64

    let scheduler: Scheduler
    var interval: Duration = .seconds(1)

    func run() async throws {
        let session = scheduler.engine.pool.makeSession(name: "scheduler")
        var leader = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                // A broken connection loses the lock: check it each round, take it when it is free.
                let held = leader ? try await session.holdsAdvisoryLock(key: Self.lockKey) : false
                if !held { leader = try await session.tryAdvisoryLock(key: Self.lockKey) }
                if leader != held { scheduler.logger.info(leader ? "this replica now runs the scheduler" : "another replica runs the scheduler") }
                if leader { try await scheduler.tick() }
            } catch {
                leader = false
                scheduler.logger.warning("scheduler tick failed: \(error)")
            }
            try? await Task.sleep(for: interval)
        }
        await session.close()
    }
}
