import Logging
import RedisQueue
import ServiceLifecycle
import Synchronization

/// Publishes the results of a pool's finished tasks and acks their entries, many per round trip and in
/// one Redis transaction (`ReliableQueue.enqueue(_:to:acking:)`): a result is on the hub's stream exactly
/// when its entry is acked, with no window between the two.
///
/// A finished task hands its result over and its slot goes on to the next task: no continuation, actor
/// hop or thread wake-up per task (those were most of what a quick task cost the worker). While one
/// transaction is on its way, the next gathers; the pool's `PoolSlots` bound how many wait.
///
/// An entry whose lease was lost meanwhile (another worker took it over) has its result published, as
/// the hub keeps only its task's current attempt, but is not acked: the ack is its new owner's. While
/// Redis is unreachable the transaction is retried with backoff; a worker shutting down gives up, and the
/// entries, never acked, are delivered again after the lease.
final class ReportPipeline: Sendable {
    struct Report: Sendable {
        let payload: [UInt8]
        let entry: String
    }

    private struct State {
        var waiting: [Report] = []
        var draining = false
    }

    /// The pool's queue, on the connection that acks (not the one blocking in claims).
    let queue: ReliableQueue
    let results: ReliableQueue
    let keeper: LeaseKeeper
    let slots: PoolSlots
    let logger: Logger
    /// Reports per transaction (Redis runs a MULTI without interruption: keep it small).
    let maxBatch: Int
    private let state = Mutex(State())

    init(queue: ReliableQueue, results: ReliableQueue, keeper: LeaseKeeper, slots: PoolSlots, logger: Logger, maxBatch: Int = 512) {
        self.queue = queue
        self.results = results
        self.keeper = keeper
        self.slots = slots
        self.logger = logger
        self.maxBatch = maxBatch
    }

    /// Queues a finished task's report; returns at once.
    func submit(_ report: Report) {
        let start = state.withLock { state -> Bool in
            state.waiting.append(report)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        if start { Task { await drain() } }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Report] in
                let batch = Array(state.waiting.prefix(maxBatch))
                state.waiting.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let entries = batch.map(\.entry)
            let acked = entries.filter { !keeper.isLost($0) }
            if acked.count < entries.count {
                logger.warning("\(entries.count - acked.count) task(s) lost their lease while running; their entries are left to their new owner")
            }
            var backoff = RetryBackoff()
            while true {
                do {
                    try await queue.enqueue(batch.map(\.payload), to: results, acking: acked)
                    break
                } catch {
                    if Task.isShuttingDownGracefully {
                        logger.info("\(batch.count) result(s) not published (shutting down); their tasks will be delivered again")
                        break
                    }
                    let delay = backoff.next()
                    logger.warning("cannot publish \(batch.count) result(s) to the hub, retrying in \(delay): \(error)")
                    try? await Task.sleep(for: delay)
                }
            }
            keeper.untrack(entries)
            slots.reported(batch.count)
        }
    }
}
