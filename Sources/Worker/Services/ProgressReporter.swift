import Shared
import Synchronization

/// Per-file outcomes of a running task, sent to the hub as `progress` batches at most about once a second,
/// so a job's counts move while a long tool run or plugin is still going (the manual's `stream_results`,
/// L9233-9278). The final result still carries every file; the hub merges by task and path, so a file
/// reported twice is counted once.
///
/// Tasks reach the reporter of the task they run for through `ProgressReporter.current` (set by
/// TaskRunner), so only the tools and plugins that report files as they go need to know about it. Outcomes
/// arrive from the threads that read child processes' output, hence the lock. There is no timer: a report
/// that comes a second or more after the last send sends everything gathered. A timer per task cost a
/// busy worker three quarters of its throughput (thousands of pending sleeps a second).
final class ProgressReporter: Sendable {
    @TaskLocal static var current: ProgressReporter?

    /// The least time between two sends.
    static let interval: Duration = .seconds(1)

    /// Where output parsers hand each file as they read it.
    typealias Sink = @Sendable (FileState, FileDetail) -> Void

    var sink: Sink { { [self] state, detail in add(state, detail) } }

    private struct State {
        var pending: [FileState: [FileDetail]] = [:]
        var lastSent: ContinuousClock.Instant
        var sends: [Task<Void, Never>] = []
    }

    private let state: Mutex<State>
    private let send: @Sendable (FileState, [FileDetail]) async -> Void

    /// `send` publishes one batch; it is called off the reporting thread.
    init(send: @escaping @Sendable (FileState, [FileDetail]) async -> Void) {
        self.send = send
        self.state = Mutex(State(lastSent: .now))
    }

    func add(_ state: FileState, _ detail: FileDetail) {
        let send = self.send
        self.state.withLock { current in
            current.pending[state, default: []].append(detail)
            let now = ContinuousClock.now
            guard now - current.lastSent >= Self.interval else { return }
            let batches = current.pending
            current.pending = [:]
            current.lastSent = now
            current.sends.append(Task {
                for (state, files) in batches { await send(state, files) }
            })
        }
    }

    /// Whether a send is under way (`finish` would wait for it).
    var isSending: Bool { state.withLock { !$0.sends.isEmpty } }

    /// Waits for the sends under way, so that none reaches the hub after the task's result. What was
    /// gathered since the last send is left to the result.
    func finish() async {
        let sends = state.withLock { current in
            defer { current.sends.removeAll() }
            return current.sends
        }
        for send in sends { await send.value }
    }
}
