import Foundation
import Testing

@testable import HubCore

/// The error a spec gives, or nil when it parses.
func scheduleSpecError(
    minute: String = "*", hour: String = "*", dayOfWeek: String = "*", dayOfMonth: String = "*", monthOfYear: String = "*"
) -> ScheduleValidationError? {
    do {
        _ = try CronSpec(minute: minute, hour: hour, dayOfWeek: dayOfWeek, dayOfMonth: dayOfMonth, monthOfYear: monthOfYear)
        return nil
    } catch {
        return error
    }
}

@Suite struct ScheduleParsingTests {
    @Test(arguments: [
        (CronField.Kind.minute, "*", Array(0...59)),
        (.minute, "0", [0]),
        (.minute, "0,30", [0, 30]),
        (.minute, " 0 , 30 ", [0, 30]),
        (.minute, "*/15", [0, 15, 30, 45]),
        (.minute, "*/45", [0, 45]),
        (.minute, "5/20", [5, 25, 45]),
        (.minute, "10-12,50-59/5", [10, 11, 12, 50, 55]),
        (.minute, "*/1", Array(0...59)),
        (.hour, "9-17/2", [9, 11, 13, 15, 17]),
        (.hour, "22-2", [0, 1, 2, 22, 23]),
        (.hour, "8,20", [8, 20]),
        (.hour, "23", [23]),
        (.dayOfWeek, "1-5", [1, 2, 3, 4, 5]),
        (.dayOfWeek, "mon-fri", [1, 2, 3, 4, 5]),
        (.dayOfWeek, "Mon,WED,fri", [1, 3, 5]),
        (.dayOfWeek, "7", [0]),
        (.dayOfWeek, "sun", [0]),
        (.dayOfWeek, "sunday,saturday", [0, 6]),
        (.dayOfWeek, "5-7", [0, 5, 6]),
        (.dayOfWeek, "fri-mon", [0, 1, 5, 6]),
        (.dayOfWeek, "sat-sun", [0, 6]),
        (.dayOfWeek, "0-7", Array(0...6)),
        (.dayOfWeek, "*/2", [0, 2, 4, 6]),
        (.dayOfWeek, "0,5", [0, 5]),
        (.dayOfMonth, "1,15", [1, 15]),
        (.dayOfMonth, "*/10", [1, 11, 21, 31]),
        (.dayOfMonth, "31", [31]),
        (.monthOfYear, "jan,mar", [1, 3]),
        (.monthOfYear, "JAN-Mar", [1, 2, 3]),
        (.monthOfYear, "nov-feb", [1, 2, 11, 12]),
        (.monthOfYear, "*/3", [1, 4, 7, 10]),
        (.monthOfYear, "december", [12]),
    ])
    func parsesGoodForms(kind: CronField.Kind, text: String, values: [Int]) throws {
        let field = try CronField.parse(text, kind: kind).get()
        #expect(field.values == values)
    }

    @Test(arguments: [
        ("minute", "60", "60 is out of range 0-59."),
        ("minute", "", "This field may not be blank."),
        ("minute", "  ", "This field may not be blank."),
        ("minute", "*/0", "Step 0 in \"*/0\" must be at least 1."),
        ("minute", "*/x", "Step \"x\" in \"*/x\" is not a number."),
        ("minute", "1/2/3", "\"1/2/3\" has more than one step."),
        ("minute", "a", "\"a\" is not a number."),
        ("minute", "mon", "\"mon\" is not a number."),
        ("minute", "-1", "\"-1\" is not a value or a range such as 1-5."),
        ("minute", "1-", "\"1-\" is not a value or a range such as 1-5."),
        ("minute", "1-2-3", "\"1-2-3\" is not a value or a range such as 1-5."),
        ("minute", "1,,2", "Empty item in \"1,,2\"."),
        ("minute", "1.5", "\"1.5\" is not a number."),
        ("minute", "99999999999", "99999999999 is out of range 0-59."),
        ("hour", "25", "25 is out of range 0-23."),
        ("hour", "24", "24 is out of range 0-23."),
        ("hour", "9-25/2", "25 is out of range 0-23."),
        ("day_of_week", "8", "8 is out of range 0-7."),
        ("day_of_week", "xyz", "\"xyz\" is not a day of the week (0-7 or sun-sat)."),
        ("day_of_week", "jan", "\"jan\" is not a day of the week (0-7 or sun-sat)."),
        ("day_of_month", "0", "0 is out of range 1-31."),
        ("day_of_month", "32", "32 is out of range 1-31."),
        ("month_of_year", "13", "13 is out of range 1-12."),
        ("month_of_year", "0", "0 is out of range 1-12."),
        ("month_of_year", "mon", "\"mon\" is not a month (1-12 or jan-dec)."),
    ])
    func badFormNamesFieldAndProblem(field: String, text: String, message: String) throws {
        var fields = ["minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"]
        fields[field] = text
        let error = try #require(throws: ScheduleValidationError.self) { try CronSpec(fields: fields) }
        #expect(error == ScheduleValidationError(field: field, message: message))
    }

    @Test func reportsEveryFieldAtOnce() throws {
        let error = try #require(scheduleSpecError(minute: "61", hour: "25", dayOfWeek: "9", dayOfMonth: "x", monthOfYear: ""))
        #expect(error.fields.keys.sorted() == ["day_of_month", "day_of_week", "hour", "minute", "month_of_year"])
        #expect(error.messages(for: "hour") == ["25 is out of range 0-23."])
        // Several problems in one field are all listed, once each.
        let several = try #require(scheduleSpecError(minute: "61,a,61"))
        #expect(several.messages(for: "minute") == ["61 is out of range 0-59.", "\"a\" is not a number."])
        #expect(several.description == "minute: 61 is out of range 0-59. \"a\" is not a number.")
    }

    @Test func keepsFieldsAsWrittenAndComparesBySets() throws {
        let spec = try CronSpec(minute: " */15 ", hour: "*", dayOfWeek: "mon-fri")
        #expect(spec.minute == "*/15")
        #expect(spec.dayOfWeek == "mon-fri")
        #expect(spec.cronExpression == "*/15 * * * mon-fri")
        #expect(spec == (try CronSpec(minute: "0,15,30,45", dayOfWeek: "1-5")))
        #expect(spec.fields["day_of_week"] == "mon-fri")
    }

    @Test func decodesAndEncodesApiKeys() throws {
        let json = #"{"minute":"0","hour":"5","day_of_week":"1,3,5","day_of_month":"*","month_of_year":"*"}"#
        let spec = try JSONDecoder().decode(CronSpec.self, from: Data(json.utf8))
        #expect(spec == (try CronSpec.timeOfDay("05:00", on: [.monday, .wednesday, .friday])))
        let encoded = try JSONEncoder().encode(spec)
        #expect(try JSONDecoder().decode([String: String].self, from: encoded) == spec.fields)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(CronSpec.self, from: Data(#"{"hour":"25"}"#.utf8))
        }
    }

    @Test func dayOfMonthAndDayOfWeekFollowCron() throws {
        // Both restricted: either matches (the 13th, and every Friday).
        let either = try CronSpec(minute: "0", hour: "0", dayOfWeek: "5", dayOfMonth: "13")
        #expect(either.dayMatches(month: 10, day: 13, weekday: 0))
        #expect(either.dayMatches(month: 10, day: 11, weekday: 5))
        #expect(!either.dayMatches(month: 10, day: 12, weekday: 6))
        // One unrestricted: only the other counts.
        let domOnly = try CronSpec(dayOfWeek: "*", dayOfMonth: "13")
        #expect(!domOnly.dayMatches(month: 10, day: 11, weekday: 5))
        #expect(domOnly.dayMatches(month: 10, day: 13, weekday: 0))
        let dowOnly = try CronSpec(dayOfWeek: "5", dayOfMonth: "1-31")
        #expect(!dowOnly.dayMatches(month: 10, day: 13, weekday: 0))
        #expect(dowOnly.dayMatches(month: 10, day: 11, weekday: 5))
        // The month always restricts.
        let inMarch = try CronSpec(dayOfWeek: "5", dayOfMonth: "13", monthOfYear: "3")
        #expect(!inMarch.dayMatches(month: 10, day: 13, weekday: 0))
    }

    @Test func unknownTimeZoneIsAFieldError() throws {
        let spec = try CronSpec(minute: "0")
        let error = try #require(throws: ScheduleValidationError.self) {
            try ScheduleCalculator(spec: spec, timeZoneIdentifier: "Mars/Olympus_Mons")
        }
        #expect(error.fields.keys.sorted() == ["timezone"])
        #expect(error.messages(for: "timezone") == ["\"Mars/Olympus_Mons\" is not a known time zone."])
        #expect(throws: ScheduleValidationError.self) { try ScheduleCalculator(spec: spec, timeZoneIdentifier: "") }
        for zone in ["UTC", "Europe/London", "Pacific/Chatham", "Australia/Lord_Howe"] {
            #expect(try ScheduleCalculator(spec: spec, timeZoneIdentifier: zone).timeZoneIdentifier == zone)
        }
    }

    @Test func wallTimeArithmeticAgreesWithFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        // Every 3 days 7 hours 13 minutes from 1899 to 2101: dates, times and weekdays agree with Calendar in UTC.
        var seconds: Int64 = -2_208_988_800
        var mismatches: [String] = []
        while seconds < 4_133_980_800 {
            let wall = WallTime(seconds: seconds)
            let parts = calendar.dateComponents(
                [.year, .month, .day, .hour, .minute, .weekday], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            let agrees =
                [wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.weekday]
                == [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.weekday.map { $0 - 1 }]
                && wall.seconds == seconds - WallTime.floorModulo(seconds, 60)
                && WallTime(year: wall.year, month: wall.month, day: wall.day, hour: wall.hour, minute: wall.minute) == wall
            if !agrees { mismatches.append("\(seconds): \(wall)") }
            seconds += 3 * 86_400 + 7 * 3600 + 13 * 60 + 7
        }
        #expect(mismatches.isEmpty)
    }
}

@Suite struct ScheduleFormTests {
    @Test func periodicMinutesOnWeekdays() throws {
        let spec = try CronSpec.periodic(every: .minutes(15), on: Weekday.weekdays)
        #expect([spec.minute, spec.hour, spec.dayOfWeek, spec.dayOfMonth, spec.monthOfYear] == ["*/15", "*", "1-5", "*", "*"])
    }

    @Test(arguments: [
        (ScheduleInterval.minutes(1), "*", "*"),
        (.minutes(5), "*/5", "*"),
        (.minutes(45), "*/45", "*"),
        (.minutes(59), "*/59", "*"),
        (.hours(1), "0", "*"),
        (.hours(6), "0", "*/6"),
        (.hours(23), "0", "*/23"),
    ])
    func periodicFields(interval: ScheduleInterval, minute: String, hour: String) throws {
        let spec = try CronSpec.periodic(every: interval)
        #expect(spec.minute == minute)
        #expect(spec.hour == hour)
        #expect(spec.dayOfWeek == "*")
    }

    @Test(arguments: [ScheduleInterval.minutes(0), .minutes(60), .minutes(-5), .hours(0), .hours(24)])
    func periodicIntervalOutOfRange(interval: ScheduleInterval) throws {
        let error = try #require(throws: ScheduleValidationError.self) { try CronSpec.periodic(every: interval) }
        #expect(error.fields.keys.sorted() == ["interval"])
    }

    @Test func periodicNeedsADay() throws {
        let error = try #require(throws: ScheduleValidationError.self) { try CronSpec.periodic(every: .hours(0), on: []) }
        #expect(error.fields.keys.sorted() == ["day_of_week", "interval"])
    }

    @Test func periodicAlignsToBoundaries() throws {
        let utc = try #require(TimeZone(identifier: "UTC"))
        func runs(_ interval: ScheduleInterval, after: String, count: Int) throws -> [String] {
            let calculator = ScheduleCalculator(spec: try CronSpec.periodic(every: interval), timeZone: utc)
            return calculator.occurrences(after: try scheduleUTC(after)).prefix(count).map(scheduleFormatUTC)
        }
        #expect(try runs(.hours(1), after: "2024-05-01 12:20", count: 2) == ["2024-05-01 13:00", "2024-05-01 14:00"])
        #expect(
            try runs(.minutes(15), after: "2024-05-01 12:20", count: 4)
                == ["2024-05-01 12:30", "2024-05-01 12:45", "2024-05-01 13:00", "2024-05-01 13:15"])
        // A non-divisor restarts every hour: :00 and :45.
        #expect(
            try runs(.minutes(45), after: "2024-05-01 12:20", count: 4)
                == ["2024-05-01 12:45", "2024-05-01 13:00", "2024-05-01 13:45", "2024-05-01 14:00"])
        #expect(
            try runs(.hours(5), after: "2024-05-01 16:00", count: 3)
                == ["2024-05-01 20:00", "2024-05-02 00:00", "2024-05-02 05:00"])
    }

    @Test func timeOfDayOnDays() throws {
        let spec = try CronSpec.timeOfDay("05:00", on: [.monday, .wednesday, .friday])
        #expect([spec.minute, spec.hour, spec.dayOfWeek] == ["0", "5", "1,3,5"])
        #expect(try CronSpec.timeOfDay("23:59:00").cronExpression == "59 23 * * *")
        #expect(try CronSpec.timeOfDay(hour: 0, minute: 30, on: [.saturday, .sunday]).dayOfWeek == "0,6")
        #expect(try CronSpec.timeOfDay(hour: 7, minute: 5, on: [.sunday, .monday, .tuesday]).dayOfWeek == "0-2")
    }

    @Test(arguments: ["24:00", "5:00", "05:60", "ab:cd", "", "05", "05:00:30", "05:00:00:00"])
    func timeOfDayRejectsBadTime(time: String) throws {
        let error = try #require(throws: ScheduleValidationError.self) { try CronSpec.timeOfDay(time) }
        #expect(error.fields.keys.sorted() == ["time"])
    }

    @Test func timeOfDayRejectsBadNumbersAndNoDays() throws {
        let error = try #require(throws: ScheduleValidationError.self) {
            try CronSpec.timeOfDay(hour: 24, minute: 0, on: [])
        }
        #expect(error.fields.keys.sorted() == ["day_of_week", "time"])
    }

    @Test(arguments: [
        ("0", "5", "1,3,5", "*", "*", "Europe/London", "every Monday, Wednesday, Friday at 05:00 (Europe/London)"),
        ("*/15", "*", "*", "*", "*", "UTC", "every 15 minutes (UTC)"),
        ("*", "*", "*", "*", "*", "UTC", "every minute (UTC)"),
        ("*/15", "*", "1-5", "*", "*", "UTC", "every 15 minutes on Monday, Tuesday, Wednesday, Thursday, Friday (UTC)"),
        ("0", "*", "*", "*", "*", "UTC", "every hour (UTC)"),
        ("0", "*/6", "*", "*", "*", "Asia/Kolkata", "every 6 hours (Asia/Kolkata)"),
        ("30", "*/2", "0,6", "*", "*", "UTC", "every 2 hours at minute 30 on Saturday, Sunday (UTC)"),
        ("30", "23", "*", "*", "*", "UTC", "every day at 23:30 (UTC)"),
        ("0", "5", "0,1", "*", "*", "UTC", "every Monday, Sunday at 05:00 (UTC)"),
        ("0", "5", "1", "1", "*", "UTC", "cron \"0 5 1 * 1\" (UTC)"),
        ("0", "8,20", "*", "*", "*", "UTC", "cron \"0 8,20 * * *\" (UTC)"),
        ("0", "5", "*", "*", "jan", "UTC", "cron \"0 5 * jan *\" (UTC)"),
        ("5,10", "*", "*", "*", "*", "UTC", "cron \"5,10 * * * *\" (UTC)"),
    ])
    func humanDescriptions(
        minute: String, hour: String, dayOfWeek: String, dayOfMonth: String, month: String, zone: String, text: String
    ) throws {
        let spec = try CronSpec(minute: minute, hour: hour, dayOfWeek: dayOfWeek, dayOfMonth: dayOfMonth, monthOfYear: month)
        #expect(spec.humanDescription(timeZoneIdentifier: zone) == text)
        #expect(try ScheduleCalculator(spec: spec, timeZoneIdentifier: zone).humanDescription == text)
    }
}
