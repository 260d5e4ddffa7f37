import Foundation

/// A time zone's UTC offsets over a span of instants, read lazily from Foundation's `TimeZone`
/// (`secondsFromGMT(for:)` and `nextDaylightSavingTimeTransition(after:)`), and the daylight-saving
/// policy that turns a wall time into one instant:
///
/// - a wall time that exists once: that instant;
/// - a wall time that exists twice (the clocks went back): the first instance, before the transition;
/// - a wall time that does not exist (the clocks went forward): the transition instant, i.e. the first
///   valid instant after the gap.
///
/// This mapping never decreases as the wall time increases, which is what lets `ScheduleCalculator`
/// walk matching wall times in order and drop an instant that is not after the previous one.
/// Instants are whole seconds since 1970 (UTC); wall times are `WallTime.seconds`.
struct ZoneTimeline {
    let timeZone: TimeZone
    /// Segment k holds `offsets[k]` from `starts[k]` until `starts[k + 1]` (or `pending`).
    /// `starts[0]` is where the coverage begins, the others are transitions.
    private var starts: [Int64] = []
    private var offsets: [Int] = []
    /// The first transition after the last segment's start, not yet added; nil when there is none.
    private var pending: Int64?

    /// Offsets lie within -12 h and +14 h; 15 h either side of a wall time holds every instant showing it.
    static let reach: Int64 = 15 * 3600

    init(timeZone: TimeZone, from start: Int64) {
        self.timeZone = timeZone
        reset(from: start)
    }

    /// The offset from UTC, in seconds, at `instant`.
    func offset(at instant: Int64) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
    }

    /// The wall time shown at `instant` (naive seconds, see `WallTime`).
    func wallSeconds(at instant: Int64) -> Int64 {
        instant + Int64(offset(at: instant))
    }

    /// The instant to run a wall time at, by the policy above.
    mutating func instant(forWall wall: Int64) -> Int64 {
        let low = wall - Self.reach
        let high = wall + Self.reach
        cover(low, high)
        let first = segmentIndex(containing: low)
        var index = first
        while index < starts.count && (index == first || starts[index] <= high) {
            let candidate = wall - Int64(offsets[index])
            if candidate >= starts[index] && candidate < end(of: index) { return candidate }
            index += 1
        }
        // No instant shows this wall time: it falls in the gap of a forward transition.
        index = first
        while index + 1 < starts.count && starts[index + 1] <= high {
            let transition = starts[index + 1]
            if wall >= transition + Int64(offsets[index]) && wall < transition + Int64(offsets[index + 1]) {
                return transition
            }
            index += 1
        }
        // Not reached with real zone data; keep a sensible answer rather than none.
        return wall - Int64(offsets[first])
    }

    /// The transitions in `range` with the offsets before and after each.
    mutating func transitions(in range: ClosedRange<Int64>) -> [(instant: Int64, before: Int, after: Int)] {
        cover(range.lowerBound - 1, range.upperBound)
        var found: [(instant: Int64, before: Int, after: Int)] = []
        for index in 1..<max(1, starts.count) where range.contains(starts[index]) {
            found.append((starts[index], offsets[index - 1], offsets[index]))
        }
        return found
    }

    private mutating func reset(from start: Int64) {
        starts = [start]
        offsets = [offset(at: start)]
        pending = nextTransition(after: start)
    }

    /// Makes the segments cover `low...high`.
    private mutating func cover(_ low: Int64, _ high: Int64) {
        if let first = starts.first, low < first {
            // Backwards: start again a day earlier than asked, so a backward walk rebuilds rarely.
            reset(from: low - 86_400)
        }
        while let next = pending, next <= high {
            starts.append(next)
            offsets.append(offset(at: next))
            pending = nextTransition(after: next)
        }
    }

    private func end(of index: Int) -> Int64 {
        index + 1 < starts.count ? starts[index + 1] : (pending ?? .max)
    }

    /// The last segment starting at or before `instant` (the first segment when all start after it).
    private func segmentIndex(containing instant: Int64) -> Int {
        var low = 0
        var high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= instant { low = middle } else { high = middle - 1 }
        }
        return low
    }

    private func nextTransition(after instant: Int64) -> Int64? {
        var from = instant
        for _ in 0..<2 {
            guard let date = timeZone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: TimeInterval(from)))
            else { return nil }
            let next = Int64(date.timeIntervalSince1970.rounded(.up))
            if next > instant { return next }
            from += 1  // Not strictly after: ask once more from a second later.
        }
        return nil
    }
}
