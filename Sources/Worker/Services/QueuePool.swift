import Foundation
import Logging
import RedisQueue
import ServiceLifecycle
import Shared

/// Consumes one `<site>.<queue>#<function>` stream with up to `threads` tasks at a time, until the worker
/// shuts down gracefully (then it claims nothing more and lets running tasks finish).
///
/// One connection blocks in claims (on its own thread, so a `BLOCK` never stalls the runtime); another
/// acks and keeps the leases of running tasks alive, so a slow task is never handed to a second worker
/// while this one lives. A task's result is published before its entry is acked: if the worker dies in
/// between, the entry is reclaimed after the lease and the hub drops the duplicate result by its attempt.
struct QueuePool: Sendable {
    let pool: WorkerConfiguration.FunctionPool
    let redis: RedisConfiguration
    let consumer: String
    let options: ReliableQueue.Options
    let tasks: TaskTable
    let publisher: ResultPublisher
    let logger: Logger

    /// Consumes until the worker shuts down or `stop` is requested, then lets running tasks finish.
    func run(stop: PoolStop) async {
        var logger = self.logger
        logger[metadataKey: "queue"] = "\(pool.queue)"
        let claimConnection = RedisConnection(configuration: redis, name: "claim \(pool.queue)", logger: logger)
        let controlConnection = RedisConnection(configuration: redis, name: "control \(pool.queue)", logger: logger)
        let queue = ReliableQueue(
            name: pool.queue.description, connection: claimConnection, options: options, logger: logger)
        let control = queue.using(controlConnection)
        let keeper = LeaseKeeper(queue: control, consumer: consumer)
        let slots = Slots(capacity: pool.threads)
        let publisher = self.publisher
        let notices = StartedNotices(grace: TaskRunner.startedGrace) { notice in try? await publisher.publish(.started(notice)) }
        let runner = TaskRunner(
            tasks: tasks, publisher: publisher, notices: notices, control: control,
            acks: Coalescer { ids in _ = try await control.ack(ids) }, keeper: keeper, node: consumer, logger: logger)
        logger.info("consuming with \(pool.threads) threads")

        await withDiscardingTaskGroup { group in
            group.addTask { await keeper.run() }
            group.addTask { await notices.run() }
            var backoff = RetryBackoff()
            while !Task.isShuttingDownGracefully && !Task.isCancelled && !stop.isRequested {
                let free = await slots.waitForFree()
                let claimed: ClaimResult
                do {
                    claimed = try await stop.interruptible {
                        try await queue.claim(consumer: consumer, count: free, block: .seconds(1))
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
                for delivery in claimed.deliveries {
                    await slots.take()
                    group.addTask {
                        await runner.handle(delivery)
                        await slots.release()
                    }
                }
            }
            // Graceful shutdown: claim nothing more; running tasks finish, then the lease keeper stops.
            await slots.waitUntilIdle()
            group.cancelAll()
        }
        await claimConnection.close()
        await controlConnection.close()
        logger.info("stopped")
    }
}

/// Bounded concurrency of one pool.
actor Slots {
    private let capacity: Int
    private var running = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(capacity: Int) { self.capacity = capacity }

    /// Suspends until a slot is free; returns how many are free.
    func waitForFree() async -> Int {
        while running >= capacity {
            await withCheckedContinuation { waiters.append($0) }
        }
        return capacity - running
    }

    /// Suspends until nothing runs.
    func waitUntilIdle() async {
        while running > 0 {
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    func take() { running += 1 }

    func release() {
        running -= 1
        let woken = waiters
        waiters.removeAll()
        for waiter in woken { waiter.resume() }
    }
}
