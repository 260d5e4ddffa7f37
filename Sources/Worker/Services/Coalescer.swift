/// Gathers items that concurrent callers submit at the same moment and hands them on in one call (one
/// Redis round trip for many published messages or acks): while one batch is on its way, the next
/// gathers. A busy worker then pays one round trip per batch instead of one per item; an idle one sends
/// each item at once. Each caller returns when its own item was sent, or throws what the send threw.
actor Coalescer<Item: Sendable> {
    private let send: @Sendable ([Item]) async throws -> Void
    private let maxBatch: Int
    private var waiting: [(item: Item, done: CheckedContinuation<Void, any Error>)] = []
    private var sending = false

    /// `maxBatch` bounds one call (Redis runs a MULTI without interruption: keep those small).
    init(maxBatch: Int = 512, send: @escaping @Sendable ([Item]) async throws -> Void) {
        self.maxBatch = maxBatch
        self.send = send
    }

    func submit(_ item: Item) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            waiting.append((item, done))
            if !sending {
                sending = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(maxBatch))
            waiting.removeFirst(batch.count)
            do {
                try await send(batch.map(\.item))
                for entry in batch { entry.done.resume() }
            } catch {
                for entry in batch { entry.done.resume(throwing: error) }
            }
        }
        sending = false
    }
}
