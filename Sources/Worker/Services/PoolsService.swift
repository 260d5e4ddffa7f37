import Logging
import ServiceLifecycle
import Shared

/// Runs every (queue, function) pool of the worker side by side and applies reloads: pools of added queues
/// start, pools of removed queues stop taking tasks and finish the ones they run, unchanged pools go on
/// untouched, a pool whose thread count changed is replaced (the old one drains while the new one starts).
///
/// All pools live in one service so that a graceful shutdown stops them together (a service group stops
/// its services one after another).
struct PoolsService: Service, CustomStringConvertible {
    // swift-service-lifecycle logs services by description: keep configuration (and secrets) out of it.
    var description: String { "PoolsService" }

    let initial: [WorkerConfiguration.FunctionPool]
    /// New pool lists from reloads (`ReloadService`).
    let reloads: AsyncStream<[WorkerConfiguration.FunctionPool]>
    let makePool: @Sendable (WorkerConfiguration.FunctionPool) -> QueuePool
    let logger: Logger

    func run() async throws {
        await withDiscardingTaskGroup { group in
            var running: [QueueName: (pool: WorkerConfiguration.FunctionPool, stop: PoolStop)] = [:]

            func apply(_ pools: [WorkerConfiguration.FunctionPool]) {
                let wanted = Dictionary(pools.map { ($0.queue, $0) }, uniquingKeysWith: { _, last in last })
                for (queue, current) in running where wanted[queue] != current.pool {
                    logger.info("reload: stopping \(queue) (finishing its running tasks)")
                    current.stop.request()
                    running[queue] = nil
                }
                for (queue, pool) in wanted.sorted(by: { $0.key.description < $1.key.description }) where running[queue] == nil {
                    let stop = PoolStop()
                    running[queue] = (pool, stop)
                    let queuePool = makePool(pool)
                    group.addTask { await queuePool.run(stop: stop) }
                }
            }

            apply(initial)
            for await pools in reloads.cancelOnGracefulShutdown() {
                apply(pools)
            }
            // Graceful shutdown: every pool sees it, claims nothing more and finishes its running tasks.
        }
    }
}
