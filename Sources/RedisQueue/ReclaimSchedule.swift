import Synchronization

/// Rate-limits reclaim scans of one ``ReliableQueue`` value and its copies (shared by reference).
final class ReclaimSchedule: Sendable {
    private let next = Mutex<ContinuousClock.Instant?>(nil)

    /// True (and books the next slot) when a scan may run now.
    func isDue(interval: Duration) -> Bool {
        guard interval > .zero else { return true }
        let now = ContinuousClock.now
        return next.withLock { next in
            if let due = next, due > now { return false }
            next = now + interval
            return true
        }
    }
}
