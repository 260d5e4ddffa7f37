#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Duration {
    /// Whole milliseconds, rounded up so that a positive duration never becomes 0; negatives give 0.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, self > .zero else { return 0 }
        let perMillisecond: Int64 = 1_000_000_000_000_000
        let (millis, remainder) = attoseconds.quotientAndRemainder(dividingBy: perMillisecond)
        return seconds * 1000 + millis + (remainder > 0 ? 1 : 0)
    }

    /// As a `timeval` for hiredis; nil or non-positive gives a zero timeval (no timeout).
    static func socketTimeval(_ duration: Duration?) -> timeval {
        guard let duration, duration > .zero else { return timeval(tv_sec: 0, tv_usec: 0) }
        let (seconds, attoseconds) = duration.components
        var micros = attoseconds / 1_000_000_000_000
        if seconds == 0 && micros == 0 { micros = 1 }
        return timeval(tv_sec: numericCast(seconds), tv_usec: numericCast(micros))
    }
}
