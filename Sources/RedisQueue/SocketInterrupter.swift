import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lets a task-cancellation handler, running on another thread, wake a connection's thread that is
/// blocked in a socket read, by `shutdown(2)`-ing the socket. The socket is registered (`arm`) before
/// the blocking call and unregistered (`disarm`) after it while the context is still alive, both under
/// the lock, so the descriptor is never shut down after it was closed (and maybe reused).
final class SocketInterrupter: Sendable {
    private struct State {
        var descriptor: Int32 = -1
        var interrupted = false
    }

    private let state = Mutex(State())

    func arm(_ descriptor: Int32) {
        state.withLock { $0 = State(descriptor: descriptor, interrupted: false) }
    }

    /// Unregisters the socket; returns whether it was interrupted meanwhile.
    func disarm() -> Bool {
        state.withLock { state in
            let interrupted = state.interrupted
            state = State()
            return interrupted
        }
    }

    /// Wakes the blocked read, if any. Safe from any thread.
    func interrupt() {
        state.withLock { state in
            guard state.descriptor >= 0 else { return }
            state.interrupted = true
            _ = shutdown(state.descriptor, Int32(SHUT_RDWR))
        }
    }
}
