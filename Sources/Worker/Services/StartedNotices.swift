import Shared
import Synchronization

/// Tells the hub that a task started, once it has run for `grace`: one ticker per pool instead of a
/// sleeping task per task (a timer per task was a large share of a busy worker's CPU; most tasks of a busy
/// job finish within milliseconds, and their result says all a `started` would).
///
/// A notice under way when its task finishes is awaited by `end`, so the hub never sees a task's
/// `started` after its result.
final class StartedNotices: Sendable {
    private struct Entry {
        var notice: TaskStarted
        var due: ContinuousClock.Instant
        var sending: Task<Void, Never>?
    }

    let grace: Duration
    private let tick: Duration
    private let publish: @Sendable (TaskStarted) async -> Void
    private let entries = Mutex<[String: Entry]>([:])

    init(grace: Duration, tick: Duration = .milliseconds(50), publish: @escaping @Sendable (TaskStarted) async -> Void) {
        self.grace = grace
        self.tick = tick
        self.publish = publish
    }

    func begin(_ notice: TaskStarted) {
        entries.withLock { $0[notice.taskID] = Entry(notice: notice, due: .now + grace) }
    }

    /// The task finished: its notice is dropped, or, if already on its way, awaited.
    func end(_ taskID: String) async {
        let sending = entries.withLock { $0.removeValue(forKey: taskID)?.sending }
        await sending?.value
    }

    /// Sends due notices until cancelled.
    func run() async {
        let publish = self.publish
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            let now = ContinuousClock.now
            entries.withLock { entries in
                for (taskID, entry) in entries where entry.sending == nil && entry.due <= now {
                    let notice = entry.notice
                    entries[taskID]?.sending = Task { await publish(notice) }
                }
            }
        }
    }
}
