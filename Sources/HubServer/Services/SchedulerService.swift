import Foundation
import Logging
import ServiceLifecycle

/// Runs the scheduler every second (so a schedule fires within a second of its due time) and the policy
/// scheduler with it. Safe on every replica: occurrences are claimed in the database.
struct SchedulerService: Service, CustomStringConvertible {
    var description: String { "SchedulerService" }

    let scheduler: Scheduler
    var interval: Duration = .seconds(1)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await scheduler.tick()
            } catch {
                scheduler.logger.warning("scheduler tick failed: \(error)")
            }
            try? await Task.sleep(for: interval)
        }
    }
}
