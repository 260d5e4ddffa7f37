import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A serial executor that runs its jobs on one dedicated thread of its own, never on the Swift
/// concurrency cooperative pool. A ``RedisConnection`` runs on it, so that hiredis's blocking socket
/// calls (including `XREADGROUP ... BLOCK`) hold only this thread.
///
/// The thread lives until ``shutdown()`` is called and the queued jobs have run; the thread keeps the
/// executor alive until then.
///
/// `@unchecked Sendable` is safe: the mutable state (`jobs`, `stopping`, `threadID`) is only read or
/// written while holding `condition`'s lock; everything else is immutable.
final class ConnectionThreadExecutor: SerialExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false
    private var threadID: pthread_t?

    /// Starts the thread. `name` shows in debuggers and `top -H`.
    init(name: String) {
        let thread = Thread { [self] in
            self.runJobs()
        }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread exit once the jobs already queued have run. Safe from any thread, idempotent.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    /// Whether the calling thread is this executor's thread.
    var isCurrentThread: Bool {
        condition.lock()
        let owner = threadID
        condition.unlock()
        guard let owner else { return false }
        return pthread_equal(owner, pthread_self()) != 0
    }

    func checkIsolated() {
        guard isCurrentThread else {
            fatalError("expected to run on the Redis connection's own thread")
        }
    }

    private func runJobs() {
        condition.lock()
        threadID = pthread_self()
        condition.unlock()
        let executor = asUnownedSerialExecutor()
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping {
                condition.wait()
            }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch {
                job.runSynchronously(on: executor)
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
