import Foundation
import RedisQueue
import Synchronization

/// Bounded concurrency of one pool: its `capacity` runner loops take claimed tasks from the tasks in hand
/// (`next`); at most `reportCapacity` tasks that ran wait for their result to be published and their entry
/// acked (so a Redis outage stops claims instead of piling up results).
///
/// Prefetch is adaptive. A pool of quick tasks (a no-op or a stat takes microseconds) spent most of its
/// time waiting for the next claim's round trip, with one claim and one publish per few tasks; holding
/// claimed tasks in hand keeps its runners busy and batches its round trips (the 1-file benchmark went from
/// about 6,300 to 7,700 tasks/s with four times the tasks in hand). But a task in hand is delivered: a
/// pause or cancel no longer takes it back, and no other worker gets it. So the pool holds only about
/// `window` of work at its recent pace (at most `prefetchLimit` times its threads), and only while tasks
/// keep finishing within the window and none has run longer: a pool of minute-long migrations claims no
/// more than it runs, exactly as without prefetch. What prefetch can still cost is one switch: a pool of
/// quick tasks that meets slow ones may have claimed up to three times its threads of them before the
/// first has run for `window`; those wait behind the running ones.
///
/// A lock, not an actor: every task passes here twice, and an actor's hops (with the thread wake-ups
/// behind them) were a large share of what a quick task cost the worker. Only waits suspend.
final class PoolSlots: Sendable {
    /// How much work, at the pool's recent pace, it may have in hand (running and waiting): its threads'
    /// worth of this.
    static let window: Duration = .milliseconds(100)
    /// At most this many times `capacity` tasks in hand (running and waiting), as Celery's default
    /// prefetch multiplier.
    static let prefetchLimit = 4

    private struct State {
        var waiting: [Delivery] = []
        var waitingStart = 0
        var running = 0
        var reporting = 0
        var closed = false
        /// Smoothed run time of the pool's tasks (seconds); nil until one ran, so a new pool does not prefetch.
        var pace: Double?
        /// When the pool's tasks last finished: a pace is only trusted while tasks keep finishing.
        var lastFinished: ContinuousClock.Instant?
        /// When each running task (by entry id) started.
        var runningSince: [String: ContinuousClock.Instant] = [:]
        var claimWaiters: [CheckedContinuation<Void, Never>] = []
        var runners: [CheckedContinuation<Delivery?, Never>] = []

        var held: Int { waiting.count - waitingStart }

        mutating func takeWaiting() -> Delivery? {
            guard waitingStart < waiting.count else { return nil }
            let delivery = waiting[waitingStart]
            waitingStart += 1
            if waitingStart == waiting.count {
                waiting.removeAll(keepingCapacity: true)
                waitingStart = 0
            } else if waitingStart >= 64, waitingStart * 2 >= waiting.count {
                // A pool that always has tasks in hand never empties this: drop the taken prefix now and then.
                waiting.removeFirst(waitingStart)
                waitingStart = 0
            }
            running += 1
            runningSince[delivery.id] = ContinuousClock.now
            return delivery
        }
    }

    let capacity: Int
    private let reportCapacity: Int
    private let state = Mutex(State())

    init(capacity: Int, reportCapacity: Int? = nil) {
        self.capacity = capacity
        self.reportCapacity = reportCapacity ?? 2 * Self.prefetchLimit * capacity
    }

    /// How many tasks the pool may have in hand (running or waiting to run) at its recent pace.
    var inHandLimit: Int { state.withLock { inHandLimit($0) } }

    /// How many tasks may be claimed now.
    var claimable: Int { state.withLock { claimable($0) } }

    /// Claimed tasks waiting for a runner.
    var heldCount: Int { state.withLock { $0.held } }

    private func inHandLimit(_ state: State, now: ContinuousClock.Instant = .now) -> Int {
        // No prefetch on a pace that is not current: nothing finished within the window (an idle pool, or
        // one whose tasks turned slow), or a task has been running longer than the window.
        guard var pace = state.pace, let last = state.lastFinished, now - last < Self.window else { return capacity }
        if let oldest = state.runningSince.values.min() { pace = max(pace, (now - oldest) / .seconds(1)) }
        let quick = Double(capacity) * (Self.window / .seconds(1)) / max(pace, 1e-9)
        return max(capacity, Int(min(Double(Self.prefetchLimit * capacity), quick).rounded()))
    }

    private func claimable(_ state: State) -> Int {
        let inHand = state.running + state.held
        return max(0, min(inHandLimit(state) - inHand, reportCapacity - state.reporting - inHand))
    }

    /// Suspends until a task may be claimed; returns how many may be claimed now.
    func waitForClaimable() async -> Int {
        while true {
            let free = claimable
            if free > 0 { return free }
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    guard claimable(state) == 0 else { return true }
                    state.claimWaiters.append(continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    /// Claimed tasks go in hand, to the runners.
    func hold(_ deliveries: [Delivery]) {
        var handed: [(CheckedContinuation<Delivery?, Never>, Delivery)] = []
        state.withLock { state in
            state.waiting += deliveries
            while !state.runners.isEmpty, let delivery = state.takeWaiting() {
                handed.append((state.runners.removeFirst(), delivery))
            }
        }
        for (runner, delivery) in handed { runner.resume(returning: delivery) }
    }

    /// A runner's next task, counted running; suspends while none is in hand. Nil once `close`d and empty.
    func next() async -> Delivery? {
        if let ready = state.withLock({ state -> Delivery?? in
            if let delivery = state.takeWaiting() { return .some(delivery) }
            return state.closed ? .some(nil) : nil
        }) {
            return ready
        }
        return await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Delivery?? in
                if let delivery = state.takeWaiting() { return .some(delivery) }
                if state.closed { return .some(nil) }
                state.runners.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// No more claims: runners finish what is in hand, then `next` returns nil.
    func close() {
        let runners = state.withLock { state -> [CheckedContinuation<Delivery?, Never>] in
            state.closed = true
            guard state.held == 0 else { return [] }
            defer { state.runners.removeAll() }
            return state.runners
        }
        for runner in runners { runner.resume(returning: nil) }
    }

    /// The task of entry `id` ran for `duration`; its report is on its way.
    func ran(_ id: String, for duration: Duration) {
        let seconds = max(0, duration / .seconds(1))
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            endRunning(id, &state)
            state.reporting += 1
            // A moving average over about the last ten tasks: a pool that turns slow stops prefetching soon.
            state.pace = state.pace.map { $0 * 0.9 + seconds * 0.1 } ?? seconds
            state.lastFinished = .now
            return wakeClaims(&state)
        }
        for waiter in woken { waiter.resume() }
    }

    /// A task taken from the hand was not run (its lease was lost meanwhile): nothing to report.
    func skipped(_ id: String) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            endRunning(id, &state)
            return wakeClaims(&state)
        }
        for waiter in woken { waiter.resume() }
    }

    private func endRunning(_ id: String, _ state: inout State) {
        state.running -= 1
        state.runningSince[id] = nil
    }

    /// `count` tasks' reports were sent (or given up at shutdown).
    func reported(_ count: Int) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.reporting -= count
            return wakeClaims(&state)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Suspends until nothing is held, runs or waits to be reported.
    func waitUntilIdle() async {
        while true {
            let idle = state.withLock { $0.running + $0.held + $0.reporting == 0 }
            if idle { return }
            await withCheckedContinuation { continuation in
                let idle = state.withLock { state -> Bool in
                    guard state.running + state.held + state.reporting == 0 else {
                        state.claimWaiters.append(continuation)
                        return false
                    }
                    return true
                }
                if idle { continuation.resume() }
            }
        }
    }

    /// Claim waiters (and idle waiters) look again; resumed outside the lock.
    private func wakeClaims(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        defer { state.claimWaiters.removeAll() }
        return state.claimWaiters
    }
}
