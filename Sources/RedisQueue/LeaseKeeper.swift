import Logging
import Synchronization

/// Keeps the leases of a consumer's in-flight entries alive: ``run()`` renews them with
/// ``ReliableQueue/extendLease(ids:consumer:)`` every ``interval`` until its task is cancelled.
///
/// The consumer ``track(_:)``s ids as soon as it claims them and ``untrack(_:)``s them once acked.
/// Ids found lost (another consumer reclaimed them after the lease expired, e.g. because this
/// process was stalled for longer than the lease) move to ``lostIDs``: the consumer should abandon
/// that work; its ack no longer counts.
///
/// Give the keeper a queue on a connection that does not block in claims (``ReliableQueue/using(_:)``),
/// or renewals wait behind the blocking read. Errors are logged and retried on the next tick.
public final class LeaseKeeper: Sendable {
    /// The queue (and connection) used for renewals.
    public let queue: ReliableQueue
    /// The consumer whose entries are renewed.
    public let consumer: String
    /// Time between renewals; well under the lease.
    public let interval: Duration

    private struct State {
        var tracked: Set<String> = []
        var lost: Set<String> = []
    }

    private let state = Mutex(State())

    /// - Parameter interval: default a third of the queue's lease.
    public init(queue: ReliableQueue, consumer: String, interval: Duration? = nil) {
        self.queue = queue
        self.consumer = consumer
        self.interval = interval ?? queue.options.lease / 3
    }

    /// Starts renewing these ids' leases.
    public func track(_ ids: some Sequence<String>) {
        state.withLock { $0.tracked.formUnion(ids) }
    }

    /// Stops renewing these ids (after ack, or when abandoning them); also forgets them as lost.
    public func untrack(_ ids: some Sequence<String>) {
        state.withLock { state in
            for id in ids {
                state.tracked.remove(id)
                state.lost.remove(id)
            }
        }
    }

    /// The ids currently renewed.
    public var trackedIDs: Set<String> { state.withLock { $0.tracked } }

    /// Tracked ids whose lease was found lost; they are no longer renewed.
    public var lostIDs: Set<String> { state.withLock { $0.lost } }

    /// Whether `id`'s lease was lost.
    public func isLost(_ id: String) -> Bool { state.withLock { $0.lost.contains(id) } }

    /// Renews all tracked ids once now.
    @discardableResult
    public func renewNow() async throws -> LeaseExtension {
        let ids = state.withLock { Array($0.tracked) }
        guard !ids.isEmpty else { return LeaseExtension() }
        let result = try await queue.extendLease(ids: ids, consumer: consumer)
        if !result.lost.isEmpty {
            state.withLock { state in
                // An id untracked meanwhile was acked by its consumer: not lost.
                for id in result.lost where state.tracked.contains(id) {
                    state.tracked.remove(id)
                    state.lost.insert(id)
                }
            }
        }
        return result
    }

    /// Renews every ``interval`` until the task is cancelled. Never throws: failures are logged and
    /// the next tick tries again.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            do {
                try await renewNow()
            } catch is CancellationError {
                return
            } catch {
                queue.logger.warning(
                    "renewing leases failed; trying again",
                    metadata: ["consumer": "\(consumer)", "error": "\(error)"]
                )
            }
        }
    }
}
