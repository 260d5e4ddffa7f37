import Foundation
import Logging
import ServiceLifecycle

/// Sends tasks that wait in PostgreSQL without being on their queue: after a hub restart, a resume, or a
/// dispatcher that died between commit and XADD. Safe on every replica: the dispatcher's claims keep two
/// replicas from sending the same task.
struct DispatchSweepService: Service, CustomStringConvertible {
    var description: String { "DispatchSweepService" }

    let engine: WorkflowEngine
    var interval: Duration = .seconds(1)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let sent = try await engine.dispatcher.sweep()
                if sent > 0 { engine.logger.info("sent \(sent) waiting tasks") }
            } catch {
                engine.logger.warning("dispatch sweep failed: \(error)")
            }
            try? await Task.sleep(for: interval)
        }
    }
}
