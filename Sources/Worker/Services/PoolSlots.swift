import Foundation

/// Bounded concurrency of one pool: at most `capacity` tasks run; claimed tasks wait their turn in hand
/// (prefetch); and at most `reportCapacity` tasks that ran wait for their result to be published and their
/// entry acked (so a Redis outage stops claims instead of piling up results).
///
/// Prefetch is adaptive. A pool of quick tasks (a no-op or a stat takes microseconds) spent most of its
/// time waiting for the next claim's round trip, with one claim and one publish per few tasks; holding
/// claimed tasks in hand keeps its threads busy and batches its round trips (the 1-file benchmark went from
/// about 6,300 to 8,200 tasks/s with four times the tasks in hand). But a task in hand is delivered: a
/// pause or cancel no longer takes it back, and no other worker gets it. So the pool holds only about
/// `window` of work at its recent pace (at most `prefetchLimit` times its threads): a pool of minute-long
/// migrations claims no more than it runs, exactly as without prefetch.
actor PoolSlots {
    /// How much work, at the pool's recent pace, it may hold beyond what runs.
    static let window: Duration = .milliseconds(100)
    /// At most this many times `capacity` tasks in hand (running and waiting), as Celery's default
    /// prefetch multiplier.
    static let prefetchLimit = 4

    private let capacity: Int
    private let reportCapacity: Int
    private var running = 0
    private var held = 0
    private var reporting = 0
    /// Smoothed run time of the pool's tasks (seconds); nil until one ran, so a new pool does not prefetch.
    private var pace: Double?
    private var claimWaiters: [CheckedContinuation<Void, Never>] = []
    private var runWaiters: [CheckedContinuation<Void, Never>] = []

    init(capacity: Int, reportCapacity: Int? = nil) {
        self.capacity = capacity
        self.reportCapacity = reportCapacity ?? 2 * Self.prefetchLimit * capacity
    }

    /// How many tasks the pool may have in hand (running or waiting to run) at its recent pace.
    var inHandLimit: Int {
        guard let pace, pace > 0 else { return capacity }
        let quick = Double(capacity) * (Self.window / .seconds(1)) / pace
        return max(capacity, min(Self.prefetchLimit * capacity, Int(quick.rounded())))
    }

    /// How many tasks may be claimed now.
    var claimable: Int {
        max(0, min(inHandLimit - running - held, reportCapacity - reporting - running - held))
    }

    /// Suspends until a task may be claimed; returns how many may be claimed now.
    func waitForClaimable() async -> Int {
        while claimable == 0 {
            await withCheckedContinuation { claimWaiters.append($0) }
        }
        return claimable
    }

    /// Suspends until nothing is held, runs or waits to be reported.
    func waitUntilIdle() async {
        while running + held + reporting > 0 {
            await withCheckedContinuation { claimWaiters.append($0) }
        }
    }

    /// `count` tasks were claimed: they wait in hand until `start`.
    func hold(_ count: Int) { held += count }

    /// Suspends until a held task may run (fewer than `capacity` run), and counts it running.
    func start() async {
        while running >= capacity {
            await withCheckedContinuation { runWaiters.append($0) }
        }
        held -= 1
        running += 1
    }

    /// A task ran for `duration`; its report is on its way.
    func ran(for duration: Duration) {
        running -= 1
        reporting += 1
        let seconds = max(0, duration / .seconds(1))
        // A moving average over about the last ten tasks: a pool that turns slow stops prefetching soon.
        pace = pace.map { $0 * 0.9 + seconds * 0.1 } ?? seconds
        if let next = runWaiters.first {
            runWaiters.removeFirst()
            next.resume()
        }
        wakeClaims()
    }

    /// `count` tasks' reports were sent (or given up at shutdown).
    func reported(_ count: Int) {
        reporting -= count
        wakeClaims()
    }

    private func wakeClaims() {
        let woken = claimWaiters
        claimWaiters.removeAll()
        for waiter in woken { waiter.resume() }
    }
}
