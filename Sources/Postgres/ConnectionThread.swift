import Foundation

/// A dedicated OS thread that runs submitted jobs one at a time, in submission order.
///
/// libpq calls block; running them here keeps them off Swift's cooperative thread pool, whose few
/// threads must never block. Async callers suspend on a continuation until their job has run.
final class ConnectionThread: @unchecked Sendable {
    // @unchecked Sendable: `jobs` and `stopped` are only read or written while `condition` is locked.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopped = false

    /// Starts the thread. It runs until `stop()` and then exits after finishing the queued jobs.
    init(name: String) {
        let thread = Thread { [self] in runLoop() }
        thread.name = name
        thread.start()
    }

    /// Queues a job; false when the thread has been stopped (the job will never run).
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Lets the thread exit once the jobs already queued have run. Idempotent.
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    /// Runs `body` on this thread and suspends the caller until it has finished.
    /// - Throws: what `body` throws, or `PostgresError.closed` if the thread was stopped.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = submit {
                continuation.resume(with: Result { try body() })
            }
            if !accepted {
                continuation.resume(throwing: PostgresError(code: .closed, message: "the connection has been closed"))
            }
        }
    }

    private func runLoop() {
        var batch: [@Sendable () -> Void] = []
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job() }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
