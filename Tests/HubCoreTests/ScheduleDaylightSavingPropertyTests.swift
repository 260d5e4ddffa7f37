import Foundation
import Testing

@testable import HubCore

/// Property tests of the daylight-saving rule over every transition of 2000-2040 in many zones.
///
/// For each transition the expected runs come from an oracle that does not use the calculator's
/// mapping: it scans the instants around the transition minute by minute with
/// `TimeZone.secondsFromGMT(for:)`, so it sees which wall times exist, which exist twice, and which
/// (never shown) fall in a gap. Expected: each matching wall time that exists runs at its first
/// instance, each one that does not exist runs at the first instant whose wall time is later (the end
/// of the gap); equal instants are one run.
@Suite struct ScheduleDaylightSavingPropertyTests {
    static let zones = [
        "UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham",
        "Europe/Berlin", "America/Santiago", "Asia/Tehran", "Africa/Casablanca", "America/Sao_Paulo",
        "America/Havana", "Pacific/Apia", "Australia/Sydney", "America/St_Johns", "Antarctica/Troll",
    ]

    /// Forms checked at every transition, in standard cron order.
    static let forms = [
        "0 * * * *", "30 * * * *", "*/15 * * * *", "0 */2 * * *", "*/15 * * * 1-5", "*/7 * * * *",
        "45 */3 * * 0,6", "0 12 * * *", "0 0 * * *", "* * * * *",
    ]

    /// The transitions from 2000 to 2040 as Foundation lists them.
    static func transitions(_ zone: TimeZone) -> [Int64] {
        var found: [Int64] = []
        var instant = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01
        let end = Date(timeIntervalSince1970: 2_240_524_800)  // 2041-01-01
        while let next = zone.nextDaylightSavingTimeTransition(after: instant), next < end {
            found.append(Int64(next.timeIntervalSince1970))
            instant = next
        }
        return found
    }

    static let specs: [CronSpec] = forms.compactMap { try? CronSpec(fields: fields($0)) }

    @Test(arguments: zones)
    func everyTransitionRunsEachMatchingWallTimeOnce(zoneName: String) throws {
        let zone = try #require(TimeZone(identifier: zoneName))
        let transitions = Self.transitions(zone)
        if ["UTC", "Asia/Kolkata"].contains(zoneName) {
            #expect(transitions.isEmpty)
        } else {
            #expect(transitions.count >= 20, "\(zoneName): \(transitions.count) transitions")
        }
        #expect(Self.specs.count == Self.forms.count)
        // Zones without transitions still get windows: one a year, mid-year.
        let centres =
            transitions.isEmpty
            ? (2000...2040).map { WallTime(year: $0, month: 6, day: 15, hour: 0, minute: 0).seconds } : transitions
        var checkedRuns = 0
        var dailySpecs: [Int: CronSpec] = [:]  // minute of the day -> "m h * * *", parsed once
        for centre in centres {
            let window = TransitionWindow(zone: zone, centre: centre)
            let daily = window.fixedTimes().compactMap { minuteOfDay in
                if let spec = dailySpecs[minuteOfDay] { return spec }
                let spec = try? CronSpec.timeOfDay(hour: minuteOfDay / 60, minute: minuteOfDay % 60)
                dailySpecs[minuteOfDay] = spec
                return spec
            }
            for spec in Self.specs + daily {
                checkedRuns += check(spec: spec, zone: zone, window: window)
            }
        }
        #expect(checkedRuns > 0)
    }

    /// Compares the calculator's runs in the window with the oracle's; returns how many runs it checked.
    private func check(spec: CronSpec, zone: TimeZone, window: TransitionWindow) -> Int {
        let calculator = ScheduleCalculator(spec: spec, timeZone: zone)
        let expected = window.expectedRuns(spec)
        var actual: [Int64] = []
        for run in calculator.occurrences(after: ScheduleCalculator.date(window.checkFrom - 1)) {
            let seconds = ScheduleCalculator.seconds(run)
            if seconds > window.checkTo { break }
            actual.append(seconds)
        }
        let context = "\(zone.identifier) \(spec.cronExpression) around \(scheduleFormatUTC(ScheduleCalculator.date(window.centre)))Z"

        // Strictly increasing instants: no two runs at the same instant.
        #expect(zip(actual, actual.dropFirst()).allSatisfy { $0 < $1 }, "not increasing: \(context)")
        // No wall time run twice.
        let walls = actual.map { window.wall(at: $0) }
        #expect(Set(walls).count == walls.count, "doubled wall time: \(context)")
        // Every run is a matching wall time, or the end of a gap that swallowed one.
        #expect(
            zip(actual, walls).allSatisfy { spec.matches(WallTime(seconds: $1)) || window.gapEnds.contains($0) },
            "run at a non-matching time: \(context)")
        // Every matching wall time maps to exactly the expected run (none missed, none extra).
        if actual != expected {
            let show = { (runs: [Int64]) in runs.map { scheduleFormatUTC(ScheduleCalculator.date($0)) } }
            Issue.record("\(context): expected \(show(expected)) got \(show(actual))")
            return actual.count
        }
        // Asked afresh from instants across the window (inside a gap or a repeated hour too),
        // nextOccurrence and latestOccurrence agree with the oracle.
        var agrees = true
        for probe in window.probes {
            if let next = expected.first(where: { $0 > probe }) {
                agrees = agrees && calculator.nextOccurrence(after: ScheduleCalculator.date(probe)) == ScheduleCalculator.date(next)
            }
            if let latest = expected.last(where: { $0 <= probe }) {
                agrees = agrees && calculator.latestOccurrence(atOrBefore: ScheduleCalculator.date(probe)) == ScheduleCalculator.date(latest)
            }
        }
        #expect(agrees, "nextOccurrence/latestOccurrence disagree with the oracle: \(context)")
        return actual.count
    }

    static func fields(_ cron: String) -> [String: String] {
        let parts = cron.split(separator: " ").map(String.init)
        return ["minute": parts[0], "hour": parts[1], "day_of_month": parts[2], "month_of_year": parts[3], "day_of_week": parts[4]]
    }
}

/// The instants around one transition, scanned minute by minute: the oracle.
private struct TransitionWindow {
    let zone: TimeZone
    let centre: Int64
    /// Runs are compared in [checkFrom, checkTo]; the scan reaches further so that the first instance
    /// of every wall time shown in the check range is seen.
    let checkFrom: Int64
    let checkTo: Int64
    /// Wall time -> first instant showing it.
    private(set) var firstInstant: [Int64: Int64] = [:]
    /// The wall clock's forward jumps: wall times strictly between `from` and `to` are never shown,
    /// and `at` is the first instant after them.
    private(set) var gaps: [(from: Int64, to: Int64, at: Int64)] = []
    private(set) var gapEnds: Set<Int64> = []
    private(set) var lowestWall: Int64 = .max
    private(set) var highestWall: Int64 = .min
    /// Every minute from the lowest to the highest wall time shown, with its fields, by minute of the hour.
    private(set) var wallsByMinute: [[(seconds: Int64, hour: Int, month: Int, day: Int, weekday: Int)]] = Array(repeating: [], count: 60)

    init(zone: TimeZone, centre: Int64) {
        self.zone = zone
        self.centre = centre
        checkFrom = centre - 2 * 3600
        checkTo = centre + 2 * 3600
        var instant = centre - 4 * 3600
        var previousWall: Int64?
        while instant <= centre + 4 * 3600 {
            let wall = instant + Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
            if firstInstant[wall] == nil { firstInstant[wall] = instant }
            if let previousWall, wall - previousWall > 60 {
                gaps.append((previousWall, wall, instant))
                gapEnds.insert(instant)
            }
            lowestWall = min(lowestWall, wall)
            highestWall = max(highestWall, wall)
            previousWall = wall
            instant += 60
        }
        var wall = lowestWall - WallTime.floorModulo(lowestWall, 60)
        while wall <= highestWall {
            let time = WallTime(seconds: wall)
            wallsByMinute[time.minute].append((wall, time.hour, time.month, time.day, time.weekday))
            wall += 60
        }
    }

    /// Instants to ask from: every 40 minutes across the check range, and either side of the centre.
    var probes: [Int64] {
        Array(stride(from: checkFrom, through: checkTo, by: 40 * 60)) + [centre - 1, centre, centre + 1, centre + 1799]
    }

    func offset(_ instant: Int64) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
    }

    func wall(at instant: Int64) -> Int64 {
        instant + Int64(offset(instant))
    }

    /// The oracle's runs in [checkFrom, checkTo] for `spec`.
    func expectedRuns(_ spec: CronSpec) -> [Int64] {
        var runs = Set<Int64>()
        for minute in spec.minutes.values {
            for wall in wallsByMinute[minute]
            where spec.hours.contains(wall.hour) && spec.dayMatches(month: wall.month, day: wall.day, weekday: wall.weekday)
        {
            // Exists: its first instance. Does not exist: the first instant after the gap it is in.
            let run = firstInstant[wall.seconds] ?? gaps.first { $0.from < wall.seconds && wall.seconds < $0.to }?.at
            if let run, run >= checkFrom, run <= checkTo { runs.insert(run) }
        }
        }
        return runs.sorted()
    }

    /// Daily times (minute of the day) the transition touches: where the gap or repeated range starts,
    /// its middle, its end, and the minutes either side.
    func fixedTimes() -> [Int] {
        let before = wall(at: centre - 1) + 1
        let after = wall(at: centre)
        guard before != after else { return [] }
        let low = min(before, after)
        let high = max(before, after)
        return [low - 60, low, low + (high - low) / 2, high - 60, high].map { time in
            let wall = WallTime(seconds: time)
            return wall.hour * 60 + wall.minute
        }
    }
}
