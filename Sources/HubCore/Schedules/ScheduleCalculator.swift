import Foundation

/// When a schedule runs: its `CronSpec` read as wall-clock times in its time zone, turned into instants.
///
/// Daylight-saving rule (a product requirement; docs/schedules.md):
/// - Times are wall-clock times in the schedule's time zone (IANA identifier, e.g. `Europe/London`).
/// - A matching wall time that does not exist (the spring-forward gap) runs once, at the transition
///   instant: the first valid instant after the gap. Several matching times in one gap, and a matching
///   time right after the gap, collapse into that one run.
/// - A matching wall time that exists twice (the autumn fall-back) runs once, at its first instance.
///   This holds for every form: "every 15 minutes" does not run again during the repeated hour, so the
///   instants of that hour's second pass have no run (a 75-minute pause in real time for a 1-hour change).
/// - Occurrences are strictly increasing instants; no two share an instant.
///
/// Searches skip by field, not minute by minute, and stop after `searchYears` years without a match,
/// so a spec that can never match (`day_of_month` 31 with `month_of_year` 2) gives nil quickly.
/// Instants are handled to the second; a fractional part of an argument is ignored.
public struct ScheduleCalculator: Sendable {
    public let spec: CronSpec
    public let timeZone: TimeZone
    /// The identifier as the schedule stores it (Foundation may report `UTC` as `GMT`).
    public let timeZoneIdentifier: String

    /// How many years a search goes without finding a match before it gives up. Nine years covers the
    /// longest gap between two 29ths of February (2096 to 2104).
    public static let searchYears = 9

    /// Resolves the time zone; an unknown identifier is an error on `timezone`.
    public init(spec: CronSpec, timeZoneIdentifier: String) throws(ScheduleValidationError) {
        self.spec = spec
        self.timeZone = try Self.timeZone(identifier: timeZoneIdentifier)
        self.timeZoneIdentifier = timeZoneIdentifier
    }

    public init(spec: CronSpec, timeZone: TimeZone) {
        self.spec = spec
        self.timeZone = timeZone
        self.timeZoneIdentifier = timeZone.identifier
    }

    /// The `TimeZone` for an identifier Foundation knows (IANA names, `UTC`), else an error on `timezone`.
    public static func timeZone(identifier: String) throws(ScheduleValidationError) -> TimeZone {
        let trimmed = identifier.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw ScheduleValidationError(field: "timezone", message: "This field may not be blank.")
        }
        guard let zone = TimeZone(identifier: trimmed) else {
            throw ScheduleValidationError(field: "timezone", message: "\"\(identifier)\" is not a known time zone.")
        }
        return zone
    }

    /// The schedule text of the Schedules list, e.g. "every Monday, Wednesday, Friday at 05:00 (Europe/London)".
    public var humanDescription: String {
        spec.humanDescription(timeZoneIdentifier: timeZoneIdentifier)
    }

    /// The first occurrence strictly after `instant`, or nil when none comes within `searchYears` years.
    public func nextOccurrence(after instant: Date) -> Date? {
        var iterator = occurrences(after: instant)
        return iterator.next()
    }

    /// The occurrences strictly after `instant`, in order (`prefix(n)` for the next n runs).
    public func occurrences(after instant: Date) -> Occurrences {
        Occurrences(spec: spec, timeZone: timeZone, after: Self.seconds(instant))
    }

    /// The latest occurrence at or before `instant`, or nil when none within `searchYears` years.
    public func latestOccurrence(atOrBefore instant: Date) -> Date? {
        latestOccurrence(atOrBefore: Self.seconds(instant), firstYear: nil).map(Self.date)
    }

    /// What the scheduler loop should run now, if anything: the latest occurrence at or before `now`,
    /// provided it is after `lastFired` (the occurrence last run; pass the value this returned) and not
    /// before `notBefore` (the schedule's `start_date_time`, or its creation).
    ///
    /// After downtime that missed several occurrences this returns only the latest, so a missed run
    /// happens once, not once per missed occurrence. Nil when it has already run or none is due.
    public func dueOccurrence(lastFired: Date?, notBefore: Date?, now: Date) -> Date? {
        let nowSeconds = Self.seconds(now)
        let floor = [lastFired, notBefore].compactMap { $0 }.map(Self.seconds).max()
        if let floor, floor > nowSeconds { return nil }
        // Nothing earlier than the floor can qualify, so the backward search need not go further.
        let firstYear = floor.map { WallTime(seconds: $0 - ZoneTimeline.reach).year }
        guard let latest = latestOccurrence(atOrBefore: nowSeconds, firstYear: firstYear) else { return nil }
        if let lastFired, latest <= Self.seconds(lastFired) { return nil }
        if let notBefore, Self.date(latest) < notBefore { return nil }
        return Self.date(latest)
    }

    private func latestOccurrence(atOrBefore instant: Int64, firstYear: Int?) -> Int64? {
        var timeline = ZoneTimeline(timeZone: timeZone, from: instant - 2 * ZoneTimeline.reach)
        // The latest wall time shown at or before `instant`: the current one, or the one just before a
        // recent backward transition. A later wall time cannot map to an instant <= `instant`.
        var latestWall = timeline.wallSeconds(at: instant)
        for transition in timeline.transitions(in: (instant - 2 * ZoneTimeline.reach)...instant) {
            latestWall = max(latestWall, transition.instant - 1 + Int64(transition.before))
        }
        var cursor = WallTime(seconds: latestWall)
        let lowest = max(cursor.year - Self.searchYears, firstYear ?? .min)
        // The wall-to-instant mapping never decreases, so the first match (going back) that maps to
        // an instant <= `instant` gives the latest occurrence.
        while let wall = spec.lastMatch(atOrBefore: cursor, firstYear: lowest) {
            let candidate = timeline.instant(forWall: wall.seconds)
            if candidate <= instant { return candidate }
            cursor = wall.adding(minutes: -1)
        }
        return nil
    }

    static func seconds(_ date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down))
    }

    static func date(_ seconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// The occurrences after a given instant, in strictly increasing order.
    public struct Occurrences: Sequence, IteratorProtocol, Sendable {
        private let spec: CronSpec
        private var timeline: ZoneTimeline
        private var cursor: WallTime?
        private var lastYear: Int
        private var previous: Int64

        init(spec: CronSpec, timeZone: TimeZone, after instant: Int64) {
            self.spec = spec
            self.timeline = ZoneTimeline(timeZone: timeZone, from: instant - 2 * ZoneTimeline.reach)
            // No wall time before the one shown at `instant` maps to a later instant, so start there.
            let start = WallTime(seconds: timeline.wallSeconds(at: instant))
            self.cursor = start
            self.lastYear = start.year + ScheduleCalculator.searchYears
            self.previous = instant
        }

        public mutating func next() -> Date? {
            while let from = cursor, let wall = spec.firstMatch(atOrAfter: from, lastYear: lastYear) {
                cursor = wall.adding(minutes: 1)
                lastYear = wall.year + ScheduleCalculator.searchYears
                let candidate = timeline.instant(forWall: wall.seconds)
                // Drop what is not after the previous run: the rest of a gap, a repeated time's
                // second pass, or (first time round) what is not after the starting instant.
                if candidate > previous {
                    previous = candidate
                    return ScheduleCalculator.date(candidate)
                }
            }
            cursor = nil
            return nil
        }
    }
}
