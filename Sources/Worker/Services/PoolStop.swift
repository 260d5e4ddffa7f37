import Synchronization

/// Asks one running pool to stop taking tasks (its queue was removed from the config at a reload): the
/// claim it is blocked in is cancelled at once, so nothing enqueued after the reload starts there, and the
/// pool finishes what it already runs and what it claimed ahead (PoolSlots).
final class PoolStop: Sendable {
    private struct State {
        var requested = false
        var interrupt: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    init() {}

    func request() {
        let interrupt = state.withLock { state -> (@Sendable () -> Void)? in
            state.requested = true
            defer { state.interrupt = nil }
            return state.interrupt
        }
        interrupt?()
    }

    var isRequested: Bool { state.withLock { $0.requested } }

    /// Runs `operation`, cancelling it if a stop is requested meanwhile (or was already).
    func interruptible<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await operation() }
        let alreadyRequested = state.withLock { state -> Bool in
            if !state.requested { state.interrupt = { task.cancel() } }
            return state.requested
        }
        if alreadyRequested { task.cancel() }
        defer { state.withLock { $0.interrupt = nil } }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}
