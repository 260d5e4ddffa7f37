import Dispatch
import Foundation
import Synchronization

/// Runs password hashing (PBKDF2, about half a second at Django's iteration counts) off Swift's cooperative
/// thread pool, at most one per core at a time, so that a burst of logins cannot starve the rest of the hub.
final class PasswordWorkQueue: Sendable {
    private let queue = DispatchQueue(label: "ngeneahub.password-hashing", attributes: .concurrent)
    private let state: Mutex<State>

    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    init(width: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)) {
        state = Mutex(State(available: width))
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
