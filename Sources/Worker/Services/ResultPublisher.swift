import Logging
import RedisQueue
import ServiceLifecycle
import Shared

/// Sends messages to the hub on the results stream (`ngenea:results`). At least once: callers publish a
/// result before acking its task, and the hub fences duplicates by task id and attempt.
struct ResultPublisher: Sendable {
    /// Messages published by concurrent tasks go out together (pipelined MULTI/XADD.../EXEC).
    let batcher: Coalescer<[UInt8]>
    let logger: Logger

    init(connection: RedisConnection, logger: Logger) {
        let stream = ReliableQueue.results(connection: connection, logger: logger)
        self.batcher = Coalescer { messages in _ = try await stream.enqueueMany(messages) }
        self.logger = logger
    }

    /// Publishes one message; retries with backoff while Redis is unreachable, so a result is never
    /// dropped because of a broker restart. Gives up when the task is cancelled or the worker is shutting
    /// down: an unpublished result's task entry stays unacked and is delivered again after the lease.
    func publish(_ message: HubMessage) async throws {
        let bytes = try WireCoding.encode(message)
        var backoff = RetryBackoff()
        while true {
            do {
                try await batcher.submit(bytes)
                return
            } catch {
                try Task.checkCancellation()
                if Task.isShuttingDownGracefully { throw error }
                let delay = backoff.next()
                logger.warning("cannot publish \(message.kind.rawValue) to the hub, retrying in \(delay): \(error)")
                try await Task.sleep(for: delay)
            }
        }
    }
}
