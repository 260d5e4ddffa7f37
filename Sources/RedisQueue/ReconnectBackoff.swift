/// Exponential reconnect backoff with jitter: after the n-th consecutive failed connect, the next
/// attempt waits a random delay in [d/2, d] with d = min(maximum, minimum * 2^(n-1)).
struct ReconnectBackoff {
    let minimum: Duration
    let maximum: Duration
    private(set) var consecutiveFailures = 0
    private var notBefore: ContinuousClock.Instant?

    init(minimum: Duration, maximum: Duration) {
        self.minimum = max(minimum, .zero)
        self.maximum = max(maximum, self.minimum)
    }

    /// How long to wait before the next attempt may start; nil when it may start now.
    func remainingDelay(now: ContinuousClock.Instant) -> Duration? {
        guard let notBefore, notBefore > now else { return nil }
        return now.duration(to: notBefore)
    }

    mutating func recordFailure(now: ContinuousClock.Instant) {
        consecutiveFailures += 1
        notBefore = now + delay(afterFailures: consecutiveFailures)
    }

    mutating func reset() {
        consecutiveFailures = 0
        notBefore = nil
    }

    /// The jittered delay after `failures` consecutive failures.
    func delay(afterFailures failures: Int) -> Duration {
        guard failures > 0 else { return .zero }
        var ceiling = minimum
        for _ in 1..<min(failures, 32) where ceiling < maximum {
            ceiling = ceiling * 2
        }
        ceiling = min(ceiling, maximum)
        return ceiling * Double.random(in: 0.5...1.0)
    }
}
