import Logging
import ServiceLifecycle

/// Runs every (queue, function) pool of the worker side by side, so a graceful shutdown stops them all at
/// once (a service group stops its services one after another).
struct PoolsService: Service, CustomStringConvertible {
    // swift-service-lifecycle logs services by description: keep configuration (and secrets) out of it.
    var description: String { "PoolsService" }

    let pools: [QueuePool]

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for pool in pools {
                group.addTask { await pool.run() }
            }
        }
    }
}
