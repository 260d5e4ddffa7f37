import Foundation
import Testing

@testable import HubCore

/// What the scheduler loop runs: `dueOccurrence(lastFired:notBefore:now:)`.
@Suite struct ScheduleDueTests {
    @Test func afterDowntimeOnlyTheLatestMissedOccurrenceRuns() throws {
        let calculator = try scheduleCalculator("*/15 * * * *", "UTC")
        let due = calculator.dueOccurrence(
            lastFired: try scheduleUTC("2024-05-01 10:00"), notBefore: nil, now: try scheduleUTC("2024-05-01 13:07"))
        #expect(due.map(scheduleFormatUTC) == "2024-05-01 13:00")
        // Once that has run, nothing more is due until the next occurrence.
        let fired = try #require(due)
        #expect(calculator.dueOccurrence(lastFired: fired, notBefore: nil, now: try scheduleUTC("2024-05-01 13:14:59")) == nil)
        #expect(
            calculator.dueOccurrence(lastFired: fired, notBefore: nil, now: try scheduleUTC("2024-05-01 13:15")).map(scheduleFormatUTC)
                == "2024-05-01 13:15")
        // Weeks of downtime: still one run, the latest.
        let long = calculator.dueOccurrence(
            lastFired: try scheduleUTC("2024-01-01 00:00"), notBefore: nil, now: try scheduleUTC("2024-05-01 13:07"))
        #expect(long.map(scheduleFormatUTC) == "2024-05-01 13:00")
    }

    @Test func alreadyFiredIsNil() throws {
        let calculator = try scheduleCalculator("0 5 * * 1,3,5", "Europe/London")
        // Wednesday 2024-05-01 05:00 BST = 04:00Z.
        let now = try scheduleUTC("2024-05-01 09:00")
        #expect(calculator.dueOccurrence(lastFired: nil, notBefore: nil, now: now).map(scheduleFormatUTC) == "2024-05-01 04:00")
        #expect(calculator.dueOccurrence(lastFired: try scheduleUTC("2024-05-01 04:00"), notBefore: nil, now: now) == nil)
        // A lastFired after the occurrence (the time it actually started) also counts as fired.
        #expect(calculator.dueOccurrence(lastFired: try scheduleUTC("2024-05-01 04:00:03"), notBefore: nil, now: now) == nil)
        // A lastFired in the future (clock trouble) does not make anything due.
        #expect(calculator.dueOccurrence(lastFired: try scheduleUTC("2024-06-01 00:00"), notBefore: nil, now: now) == nil)
    }

    @Test func beforeNotBeforeIsNil() throws {
        let calculator = try scheduleCalculator("*/15 * * * *", "UTC")
        let created = try scheduleUTC("2024-05-01 13:05")
        #expect(calculator.dueOccurrence(lastFired: nil, notBefore: created, now: try scheduleUTC("2024-05-01 13:07")) == nil)
        #expect(calculator.dueOccurrence(lastFired: nil, notBefore: created, now: try scheduleUTC("2024-05-01 13:00")) == nil)
        #expect(
            calculator.dueOccurrence(lastFired: nil, notBefore: created, now: try scheduleUTC("2024-05-01 13:15")).map(scheduleFormatUTC)
                == "2024-05-01 13:15")
        // An occurrence exactly at notBefore is due.
        #expect(
            calculator.dueOccurrence(lastFired: nil, notBefore: try scheduleUTC("2024-05-01 13:00"), now: try scheduleUTC("2024-05-01 13:07"))
                .map(scheduleFormatUTC) == "2024-05-01 13:00")
        // A yearly schedule created after this year's run: nothing due, and no long search.
        let yearly = try scheduleCalculator("0 0 1 1 *", "UTC")
        #expect(yearly.dueOccurrence(lastFired: nil, notBefore: created, now: try scheduleUTC("2024-12-31 23:59")) == nil)
        #expect(
            yearly.dueOccurrence(lastFired: nil, notBefore: created, now: try scheduleUTC("2025-01-01 00:00:10")).map(scheduleFormatUTC)
                == "2025-01-01 00:00")
    }

    @Test func daylightSavingInTheLoop() throws {
        let london = try scheduleCalculator("30 1 * * *", "Europe/London")
        // 01:30 does not exist on 2024-03-31: due from the transition instant, 01:00Z.
        #expect(
            london.dueOccurrence(lastFired: try scheduleUTC("2024-03-30 01:30"), notBefore: nil, now: try scheduleUTC("2024-03-31 01:00:30"))
                .map(scheduleFormatUTC) == "2024-03-31 01:00")
        #expect(
            london.dueOccurrence(lastFired: try scheduleUTC("2024-03-30 01:30"), notBefore: nil, now: try scheduleUTC("2024-03-31 00:59:59"))
                == nil)
        // 01:30 happens twice on 2024-10-27: it ran at 00:30Z, the second pass (01:30Z) does not run it again.
        #expect(
            london.dueOccurrence(lastFired: try scheduleUTC("2024-10-26 00:30"), notBefore: nil, now: try scheduleUTC("2024-10-27 00:31"))
                .map(scheduleFormatUTC) == "2024-10-27 00:30")
        #expect(
            london.dueOccurrence(lastFired: try scheduleUTC("2024-10-27 00:30"), notBefore: nil, now: try scheduleUTC("2024-10-27 01:40"))
                == nil)
        // Asked from inside the second pass with the first missed, the first instance is the one due.
        #expect(
            london.latestOccurrence(atOrBefore: try scheduleUTC("2024-10-27 01:40")).map(scheduleFormatUTC) == "2024-10-27 00:30")
        let quarter = try scheduleCalculator("*/15 * * * *", "Europe/London")
        #expect(
            quarter.latestOccurrence(atOrBefore: try scheduleUTC("2024-10-27 01:59")).map(scheduleFormatUTC) == "2024-10-27 00:45")
    }

    @Test func simulatedLoopRunsEachOccurrenceOnce() throws {
        // A loop ticking every minute through a London autumn night runs "*/15" once per occurrence,
        // never twice in the repeated hour, and what it runs is exactly the occurrence list.
        let calculator = try scheduleCalculator("*/15 * * * *", "Europe/London")
        let start = try scheduleUTC("2024-10-26 22:00")
        let end = try scheduleUTC("2024-10-27 04:00")
        var lastFired: Date? = nil
        var fired: [Date] = []
        var now = start
        while now <= end {
            if let due = calculator.dueOccurrence(lastFired: lastFired, notBefore: start, now: now) {
                fired.append(due)
                lastFired = due
            }
            now = now.addingTimeInterval(60)
        }
        let expected = Array(calculator.occurrences(after: start.addingTimeInterval(-1)).prefix { $0 <= end })
        #expect(fired == expected)
        #expect(!fired.map(scheduleFormatUTC).contains("2024-10-27 01:30"))
    }
}
