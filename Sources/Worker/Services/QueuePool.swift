import Foundation
import Logging
import RedisQueue
import ServiceLifecycle
import Shared

/// Consumes one `<site>.<queue>#<function>` stream with up to `threads` tasks at a time, until the worker
/// shuts down gracefully (then it claims nothing more and lets the tasks in hand finish).
///
/// One connection blocks in claims (on its own thread, so a `BLOCK` never stalls the runtime); another
/// keeps the leases of running tasks alive, so a slow task is never handed to a second worker while this
/// one lives, and publishes results with the acks of their entries, in one transaction (ReportPipeline):
/// a worker that dies before that transaction leaves the entry pending, reclaimed after the lease.
struct QueuePool: Sendable {
    /// How long the claim loop waits, once a slot is free, for more tasks to finish before it claims.
    static let gather: Duration = .milliseconds(2)

    let pool: WorkerConfiguration.FunctionPool
    let redis: RedisConfiguration
    let consumer: String
    let options: ReliableQueue.Options
    let tasks: TaskTable
    let publisher: ResultPublisher
    let logger: Logger

    /// Consumes until the worker shuts down or `stop` is requested, then lets the tasks in hand (running,
    /// and claimed ones waiting: quick by construction, see PoolSlots) finish.
    func run(stop: PoolStop) async {
        var logger = self.logger
        logger[metadataKey: "queue"] = "\(pool.queue)"
        let claimConnection = RedisConnection(configuration: redis, name: "claim \(pool.queue)", logger: logger)
        let controlConnection = RedisConnection(configuration: redis, name: "control \(pool.queue)", logger: logger)
        let queue = ReliableQueue(
            name: pool.queue.description, connection: claimConnection, options: options, logger: logger)
        let control = queue.using(controlConnection)
        let keeper = LeaseKeeper(queue: control, consumer: consumer)
        let slots = PoolSlots(capacity: pool.threads)
        let publisher = self.publisher
        let notices = StartedNotices(grace: TaskRunner.startedGrace) { notice in try? await publisher.publish(.started(notice)) }
        let reports = ReportPipeline(
            queue: control, results: ReliableQueue.results(connection: controlConnection, logger: logger), keeper: keeper,
            slots: slots, logger: logger)
        let runner = TaskRunner(
            tasks: tasks, publisher: publisher, reports: reports, notices: notices, control: control,
            keeper: keeper, node: consumer, logger: logger)
        logger.info("consuming with \(pool.threads) threads")

        await withDiscardingTaskGroup { group in
            group.addTask { await keeper.run() }
            group.addTask { await notices.run() }
            // `threads` runner loops take claimed tasks in hand one after another (no task per delivery).
            for _ in 0..<pool.threads {
                group.addTask {
                    while let delivery = await slots.next() {
                        if keeper.isLost(delivery.id) {
                            // Held while its lease lapsed (a stalled process): another worker has it now.
                            keeper.untrack([delivery.id])
                            slots.skipped(delivery.id)
                            continue
                        }
                        let clock = ContinuousClock()
                        let began = clock.now
                        let ran = await runner.run(delivery)
                        // The runner is free once the task ran; publishing its result and acking it go on
                        // beside the next tasks (the report pipeline counts them out of `slots`).
                        slots.ran(delivery.id, for: clock.now - began)
                        guard let ran else {
                            slots.reported(1)
                            continue
                        }
                        if ran.reporter.isSending {
                            // Progress still on its way goes first: wait for it beside the runner (the slots
                            // count the report, so shutdown waits for it).
                            Task { await runner.report(ran) }
                        } else {
                            await runner.report(ran)
                        }
                    }
                }
            }
            var backoff = RetryBackoff()
            while !Task.isShuttingDownGracefully && !Task.isCancelled && !stop.isRequested {
                var free = await slots.waitForClaimable()
                if free < pool.threads {
                    // Tasks finishing together are claimed together: one claim, one publish and one ack round
                    // trip for several quick tasks instead of one each (latency cost: at most this pause).
                    try? await Task.sleep(for: Self.gather)
                    free = slots.claimable
                    // A task that ran slow meanwhile can end prefetch: then wait for room again.
                    guard free > 0 else { continue }
                }
                let claimed: ClaimResult
                do {
                    let count = free
                    claimed = try await stop.interruptible {
                        try await queue.claim(consumer: consumer, count: count, block: .seconds(1))
                    }
                    backoff.reset()
                } catch {
                    if Task.isCancelled || stop.isRequested { break }
                    let delay = backoff.next()
                    logger.warning("claim failed, retrying in \(delay): \(error)")
                    try? await Task.sleep(for: delay)
                    continue
                }
                for dead in claimed.deadLetters {
                    group.addTask { await runner.reportDeadLetter(dead) }
                }
                keeper.track(claimed.deliveries.map(\.id))
                slots.hold(claimed.deliveries)
            }
            // Graceful shutdown: claim nothing more; tasks in hand finish, then the lease keeper stops.
            slots.close()
            await slots.waitUntilIdle()
            group.cancelAll()
        }
        await claimConnection.close()
        await controlConnection.close()
        logger.info("stopped")
    }
}
