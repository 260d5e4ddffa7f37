import Foundation
import Testing

/// A one-way barrier for code running on a connection thread (inside `withConnection`): `wait()`
/// blocks that thread, never a cooperative one, until the test calls `open()`. Lets a test hold a
/// connection for exactly as long as it needs instead of guessing with `pg_sleep`.
final class Gate: @unchecked Sendable {
    // @unchecked Sendable: `opened` is only touched with `condition` locked.
    private let condition = NSCondition()
    private var opened = false

    /// Lets every current and future `wait()` return. Idempotent.
    func open() {
        condition.lock()
        opened = true
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks the calling thread until `open()` or `timeout` (a safety net so a failing test cannot
    /// hold a connection forever). Call it only on a connection thread. Returns whether it was opened.
    @discardableResult
    func wait(timeout: TimeInterval = 120) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !opened {
            if !condition.wait(until: deadline) { return opened }
        }
        return true
    }
}

struct ConditionTimeout: Error, CustomStringConvertible {
    let description: String
}

/// Polls `condition` until it holds; throws after `timeout` instead of spinning forever. The timeout
/// is a hang detector, not a performance bound: keep it generous.
func waitUntil(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(60),
    sourceLocation: SourceLocation = #_sourceLocation, _ condition: () throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        if ContinuousClock.now >= deadline {
            let description = "timed out after \(timeout) waiting until \(what())"
            Issue.record(Comment(rawValue: description), sourceLocation: sourceLocation)
            throw ConditionTimeout(description: description)
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// Blocks cooperative threads on purpose (synchronous `usleep`, like a stray blocking call elsewhere
/// in the process), `bursts` times for `burst` microseconds: the pool must stay correct when tasks
/// and continuation resumptions are delayed arbitrarily.
func starveCooperativePool(bursts: Int, burst: useconds_t = 30_000) async {
    for _ in 0..<bursts {
        usleep(burst)
        await Task.yield()
    }
}
