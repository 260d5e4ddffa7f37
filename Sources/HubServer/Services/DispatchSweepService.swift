import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Sends tasks that wait in PostgreSQL without being on their queue: after a hub restart, a resume, or a
/// dispatcher that died between commit and XADD. Every few seconds it also retries taking back the queued
/// tasks of jobs that stay PAUSING or DEQUEUING (a pause or cancel whose Redis step failed, or a hub that
/// died half-way through one). Safe on every replica: claims keep two replicas from sending one task, and
/// taking back is idempotent.
struct DispatchSweepService: Service, CustomStringConvertible {
    var description: String { "DispatchSweepService" }

    let engine: WorkflowEngine
    var interval: Duration = .seconds(1)
    /// Sweeps between two retries of unfinished pauses and cancels.
    var retractEvery = 5

    func run() async throws {
        var round = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await engine.sweep()
                round += 1
                if round % retractEvery == 0 {
                    let jobs = try await engine.pool.query("SELECT id FROM jobs WHERE state IN ('PAUSING', 'DEQUEUING')")
                        .decodeColumn(Int64.self, "id")
                    for job in jobs { try await engine.retract(job: job) }
                }
            } catch {
                engine.logger.warning("dispatch sweep failed: \(error)")
            }
            try? await Task.sleep(for: interval)
        }
    }
}
