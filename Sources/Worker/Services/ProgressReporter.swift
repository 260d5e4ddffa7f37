import Shared
import Synchronization

/// Per-file outcomes of a running task, sent to the hub as `progress` batches about once a second, so a
/// job's counts move while a long tool run or plugin is still going (the manual's `stream_results`,
/// L9233-9278). The final result still carries every file; the hub merges by task and path, so a file
/// reported twice is counted once.
///
/// Tasks reach the reporter of the task they run for through `ProgressReporter.current` (set by
/// TaskRunner), so only the tools and plugins that report files as they go need to know about it. Outcomes
/// arrive from the threads that read child processes' output, hence the lock.
final class ProgressReporter: Sendable {
    @TaskLocal static var current: ProgressReporter?

    /// How often gathered outcomes are sent.
    static let interval: Duration = .seconds(1)

    private let pending = Mutex<[FileState: [FileDetail]]>([:])

    func add(_ state: FileState, _ detail: FileDetail) {
        pending.withLock { $0[state, default: []].append(detail) }
    }

    /// What was gathered since the last call, by state.
    func take() -> [FileState: [FileDetail]] {
        pending.withLock { gathered in
            defer { gathered.removeAll() }
            return gathered
        }
    }
}
