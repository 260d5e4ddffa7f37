import Foundation
import Testing

@testable import HubCore

/// "2024-03-31 01:00" (or with ":ss") read as UTC.
func scheduleUTC(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Date {
    let numbers = text.split(whereSeparator: { " -:".contains($0) }).compactMap { Int($0) }
    try #require(numbers.count == 5 || numbers.count == 6, "bad date \(text)", sourceLocation: sourceLocation)
    let wall = WallTime(year: numbers[0], month: numbers[1], day: numbers[2], hour: numbers[3], minute: numbers[4])
    return Date(timeIntervalSince1970: TimeInterval(wall.seconds + Int64(numbers.count == 6 ? numbers[5] : 0)))
}

/// An instant as "yyyy-mm-dd hh:mm" in UTC.
func scheduleFormatUTC(_ date: Date) -> String {
    WallTime(seconds: Int64(date.timeIntervalSince1970.rounded(.down))).description
}

func scheduleCalculator(
    _ cron: String, _ zone: String, sourceLocation: SourceLocation = #_sourceLocation
) throws -> ScheduleCalculator {
    let parts = cron.split(separator: " ").map(String.init)
    try #require(parts.count == 5, "cron needs 5 fields: \(cron)", sourceLocation: sourceLocation)
    let spec = try CronSpec(minute: parts[0], hour: parts[1], dayOfWeek: parts[4], dayOfMonth: parts[2], monthOfYear: parts[3])
    return try ScheduleCalculator(spec: spec, timeZoneIdentifier: zone)
}

/// Known next occurrences. Cron strings are in standard order: minute hour day_of_month month day_of_week.
/// Instants are UTC.
@Suite struct ScheduleExampleTests {
    @Test(arguments: [
        // UTC
        ("*/15 * * * *", "UTC", "2024-01-01 00:07", ["2024-01-01 00:15", "2024-01-01 00:30", "2024-01-01 00:45", "2024-01-01 01:00"]),
        ("*/15 * * * *", "UTC", "2024-01-01 00:15", ["2024-01-01 00:30"]),  // strictly after
        ("*/15 * * * *", "UTC", "2024-01-01 00:14:59", ["2024-01-01 00:15"]),
        ("0 5 * * 1,3,5", "UTC", "2024-01-01 06:00", ["2024-01-03 05:00", "2024-01-05 05:00", "2024-01-08 05:00"]),
        ("0 0 1 * *", "UTC", "2024-01-31 12:00", ["2024-02-01 00:00", "2024-03-01 00:00"]),
        ("0 0 13 * 5", "UTC", "2024-10-11 00:00", ["2024-10-13 00:00", "2024-10-18 00:00", "2024-10-25 00:00", "2024-11-01 00:00"]),
        ("0 0 29 2 *", "UTC", "2024-03-01 00:00", ["2028-02-29 00:00", "2032-02-29 00:00"]),
        ("59 23 31 12 *", "UTC", "2024-06-01 00:00", ["2024-12-31 23:59", "2025-12-31 23:59"]),
        ("0 0 * * *", "UTC", "2023-12-31 23:59:59", ["2024-01-01 00:00"]),
        // Europe/London: forward 2024-03-31 01:00Z (01:00 -> 02:00), back 2024-10-27 01:00Z (02:00 -> 01:00).
        ("30 1 * * *", "Europe/London", "2024-03-30 12:00", ["2024-03-31 01:00", "2024-04-01 00:30"]),  // gap: at the transition
        ("30 1 * * *", "Europe/London", "2024-10-26 12:00", ["2024-10-27 00:30", "2024-10-28 01:30"]),  // overlap: first instance
        ("30 2 * * *", "Europe/London", "2024-03-30 12:00", ["2024-03-31 01:30", "2024-04-01 01:30"]),
        ("30 2 * * *", "Europe/London", "2024-10-26 12:00", ["2024-10-27 02:30", "2024-10-28 02:30"]),
        ("0 5 * * 1,3,5", "Europe/London", "2024-07-01 00:00", ["2024-07-01 04:00", "2024-07-03 04:00"]),
        ("*/15 * * * *", "Europe/London", "2024-03-31 00:40",
         ["2024-03-31 00:45", "2024-03-31 01:00", "2024-03-31 01:15", "2024-03-31 01:30"]),
        ("*/15 * * * *", "Europe/London", "2024-10-27 00:20",
         ["2024-10-27 00:30", "2024-10-27 00:45", "2024-10-27 02:00", "2024-10-27 02:15"]),
        // Asked from inside the repeated hour's second pass: its times already ran, the next is 02:00 GMT.
        ("*/15 * * * *", "Europe/London", "2024-10-27 01:20", ["2024-10-27 02:00"]),
        ("0 * * * *", "Europe/London", "2024-10-27 00:30", ["2024-10-27 02:00", "2024-10-27 03:00"]),
        // America/New_York: forward 2024-03-10 07:00Z (02:00 -> 03:00), back 2024-11-03 06:00Z (02:00 -> 01:00).
        ("30 2 * * *", "America/New_York", "2024-03-09 00:00", ["2024-03-09 07:30", "2024-03-10 07:00", "2024-03-11 06:30"]),
        ("30 2 * * *", "America/New_York", "2024-11-02 00:00", ["2024-11-02 06:30", "2024-11-03 07:30", "2024-11-04 07:30"]),
        ("30 1 * * *", "America/New_York", "2024-11-02 12:00", ["2024-11-03 05:30", "2024-11-04 06:30"]),
        ("0 * * * *", "America/New_York", "2024-11-03 04:30", ["2024-11-03 05:00", "2024-11-03 07:00", "2024-11-03 08:00"]),
        ("0 * * * *", "America/New_York", "2024-03-10 05:30", ["2024-03-10 06:00", "2024-03-10 07:00", "2024-03-10 08:00"]),
        ("0 2,3 * * *", "America/New_York", "2024-03-10 00:00", ["2024-03-10 07:00", "2024-03-11 06:00", "2024-03-11 07:00"]),
        // Australia/Lord_Howe (+10:30 / +11:00, 30-minute change): forward 2024-10-06 02:00 -> 02:30
        // (2024-10-05 15:30Z), back 2024-04-07 02:00 -> 01:30 (2024-04-06 15:00Z).
        ("*/15 * * * *", "Australia/Lord_Howe", "2024-10-05 15:10",
         ["2024-10-05 15:15", "2024-10-05 15:30", "2024-10-05 15:45"]),
        ("0 2 * * *", "Australia/Lord_Howe", "2024-10-04 16:00", ["2024-10-05 15:30", "2024-10-06 15:00"]),
        ("45 1 * * *", "Australia/Lord_Howe", "2024-04-05 16:00", ["2024-04-06 14:45", "2024-04-07 15:15"]),
        ("*/15 * * * *", "Australia/Lord_Howe", "2024-04-06 14:40",
         ["2024-04-06 14:45", "2024-04-06 15:30", "2024-04-06 15:45"]),
        // Asia/Kolkata (+5:30, no daylight saving).
        ("0 9 * * *", "Asia/Kolkata", "2024-06-01 00:00", ["2024-06-01 03:30", "2024-06-02 03:30"]),
        ("*/15 * * * *", "Asia/Kolkata", "2024-06-01 00:00", ["2024-06-01 00:15", "2024-06-01 00:30"]),
        // Pacific/Chatham (+12:45 / +13:45): forward 2024-09-29 02:45 -> 03:45 (2024-09-28 14:00Z),
        // back 2024-04-07 03:45 -> 02:45 (2024-04-06 14:00Z).
        ("0 12 * * *", "Pacific/Chatham", "2024-01-14 12:00", ["2024-01-14 22:15"]),
        ("0 3 * * *", "Pacific/Chatham", "2024-09-27 00:00", ["2024-09-27 14:15", "2024-09-28 14:00", "2024-09-29 13:15"]),
        ("0 3 * * *", "Pacific/Chatham", "2024-04-05 00:00", ["2024-04-05 13:15", "2024-04-06 13:15", "2024-04-07 14:15"]),
        ("0 * * * *", "Pacific/Chatham", "2024-09-28 12:00",
         ["2024-09-28 12:15", "2024-09-28 13:15", "2024-09-28 14:00", "2024-09-28 14:15", "2024-09-28 15:15"]),
    ])
    func knownOccurrences(cron: String, zone: String, after: String, expected: [String]) throws {
        let calculator = try scheduleCalculator(cron, zone)
        let start = try scheduleUTC(after)
        #expect(calculator.occurrences(after: start).prefix(expected.count).map(scheduleFormatUTC) == expected)
        #expect(calculator.nextOccurrence(after: start).map(scheduleFormatUTC) == expected.first)
        // Walking from each result gives the next one.
        var previous = try #require(calculator.nextOccurrence(after: start))
        for text in expected.dropFirst() {
            let next = try #require(calculator.nextOccurrence(after: previous))
            #expect(scheduleFormatUTC(next) == text)
            #expect(calculator.latestOccurrence(atOrBefore: next.addingTimeInterval(-1)) == previous)
            previous = next
        }
    }

    @Test func neverMatchingSpecReturnsNilQuickly() throws {
        let clock = ContinuousClock()
        let start = try scheduleUTC("2024-01-01 00:00")
        let elapsed = try clock.measure {
            for cron in ["0 0 31 2 *", "0 0 30 2 *", "* * 31 4,6,9,11 *", "0 0 31 feb-apr/2 *"] {
                let calculator = try scheduleCalculator(cron, "Europe/London")
                #expect(calculator.nextOccurrence(after: start) == nil)
                #expect(calculator.latestOccurrence(atOrBefore: start) == nil)
                #expect(calculator.dueOccurrence(lastFired: nil, notBefore: nil, now: start) == nil)
                #expect(Array(calculator.occurrences(after: start).prefix(3)).isEmpty)
            }
        }
        #expect(elapsed < .seconds(2))
    }

    @Test func rareButPossibleSpecsAreFound() throws {
        // The 29th of February on a Monday... or any Monday in February (either rule): found at once.
        let either = try scheduleCalculator("0 0 29 2 1", "UTC")
        #expect(either.nextOccurrence(after: try scheduleUTC("2024-03-01 00:00")).map(scheduleFormatUTC) == "2025-02-03 00:00")
        // The 29th of February across 2100, which is not a leap year: eight years apart.
        let leap = try scheduleCalculator("0 0 29 2 *", "UTC")
        #expect(leap.nextOccurrence(after: try scheduleUTC("2096-03-01 00:00")).map(scheduleFormatUTC) == "2104-02-29 00:00")
        #expect(leap.latestOccurrence(atOrBefore: try scheduleUTC("2104-02-28 00:00")).map(scheduleFormatUTC) == "2096-02-29 00:00")
    }
}
