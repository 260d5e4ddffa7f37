/// Exponential backoff with jitter for callers that retry an operation while Redis (or another
/// dependency) is down: 100 ms doubling up to 5 s, each delay a random value in [d/2, d].
public struct RetryBackoff: Sendable {
    private var attempt = 0

    public init() {}

    /// The delay before the next try.
    public mutating func next() -> Duration {
        let base = min(5_000.0, 100.0 * Double(1 << min(attempt, 6)))
        attempt += 1
        return .milliseconds(Int(base * Double.random(in: 0.5...1.0)))
    }

    /// Call after a success.
    public mutating func reset() { attempt = 0 }
}
