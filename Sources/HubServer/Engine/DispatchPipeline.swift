/// Sends the tasks that applied results create beside the next results being applied, instead of
/// between them.
///
/// Each lane of the results consumer applies one claimed batch at a time. Sending the tasks a batch
/// created (the XADDs, deleting the outbox row) done in line held the lane's next batch back. Here the
/// sends of several batches, of every lane, are gathered and run while the next batches are applied.
///
/// Nothing is at risk while tasks wait here: they are committed, with the outbox row of their batch, and
/// a hub that dies with tasks waiting leaves them to the sweep once the rows expire. The wait is bounded
/// (`limit` tasks): past it, `submit` holds the consumer back, so tasks are sent well within their
/// claim; a batch whose row expired all the same is left to the sweep (`Dispatcher.send`).
actor DispatchPipeline {
    private let limit: Int
    private let perSend: Int
    private var waiting: [OutboxBatch] = []
    private var waitingTasks = 0
    private var sending = false
    private var blocked: [CheckedContinuation<Void, Never>] = []
    private var idle: [CheckedContinuation<Void, Never>] = []

    init(limit: Int = 20_000, perSend: Int = 10_000) {
        self.limit = limit
        self.perSend = perSend
    }

    /// Queues `batch` to be sent; returns at once unless `limit` tasks already wait. Every caller passes
    /// the same `send` (the engine's dispatch): the one of the submit that starts a drain sends everything
    /// waiting until the pipeline is empty again, in sends of whole batches, up to `perSend` tasks each
    /// (or one bigger batch).
    func submit(_ batch: OutboxBatch, send: @escaping @Sendable ([OutboxBatch]) async -> Void) async {
        while waitingTasks >= limit {
            await withCheckedContinuation { blocked.append($0) }
        }
        waiting.append(batch)
        waitingTasks += batch.tasks.count
        if !sending {
            sending = true
            Task { await drain(send) }
        }
    }

    /// Returns once every task submitted so far has been through `send`.
    func flush() async {
        while sending {
            await withCheckedContinuation { idle.append($0) }
        }
    }

    private func drain(_ send: @Sendable ([OutboxBatch]) async -> Void) async {
        while !waiting.isEmpty {
            var count = 1, tasks = waiting[0].tasks.count
            while count < waiting.count, tasks + waiting[count].tasks.count <= perSend {
                tasks += waiting[count].tasks.count
                count += 1
            }
            let batches = Array(waiting.prefix(count))
            waiting.removeFirst(count)
            waitingTasks -= tasks
            let woken = blocked
            blocked.removeAll()
            for waiter in woken { waiter.resume() }
            await send(batches)
        }
        sending = false
        let woken = idle
        idle.removeAll()
        for waiter in woken { waiter.resume() }
    }
}
