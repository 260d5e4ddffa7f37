import Foundation

/// The two forms of the UI's schedule settings (L1360-1390, L1723-1745), expressed as crontab fields.
extension CronSpec {
    /// "Periodically": every N minutes or every N hours on the chosen days, aligned to interval
    /// boundaries as the manual says ("1 hour" runs at 12:00, 13:00...; "15 mins" at :00, :15, :30, :45),
    /// not relative to when the schedule was created.
    ///
    /// - every N minutes: minute `*/N`, hour `*` (N = 1 gives minute `*`);
    /// - every N hours: minute `0`, hour `*/N` (N = 1 gives hour `*`).
    ///
    /// Minutes may be 1-59 and hours 1-23. An N that does not divide the hour (or the day) follows cron's
    /// rule, the step restarts at every hour (day): every 45 minutes runs at :00 and :45 of each hour (a
    /// 15-minute then a 45-minute gap), every 5 hours at 00:00, 05:00, 10:00, 15:00, 20:00 and again at 00:00.
    /// No days chosen is an error on `day_of_week`; all seven is `*`.
    public static func periodic(every interval: ScheduleInterval, on days: Set<Weekday> = Weekday.everyDay)
        throws(ScheduleValidationError) -> CronSpec
    {
        var errors = ScheduleValidationError([:])
        var minute = "*"
        var hour = "*"
        switch interval {
        case .minutes(let count):
            if (1...59).contains(count) {
                minute = count == 1 ? "*" : "*/\(count)"
            } else {
                errors.merge(.init(field: "interval", message: "Every \(count) minutes is out of range 1-59."))
            }
        case .hours(let count):
            if (1...23).contains(count) {
                minute = "0"
                hour = count == 1 ? "*" : "*/\(count)"
            } else {
                errors.merge(.init(field: "interval", message: "Every \(count) hours is out of range 1-23."))
            }
        }
        if days.isEmpty { errors.merge(.init(field: "day_of_week", message: "Choose at least one day.")) }
        if !errors.fields.isEmpty { throw errors }
        return try CronSpec(minute: minute, hour: hour, dayOfWeek: dayOfWeekField(days))
    }

    /// "At specific time of a day": `hour`:`minute` on the chosen days, e.g. 05:00 on Monday, Wednesday
    /// and Friday is minute `0`, hour `5`, day_of_week `1,3,5`.
    public static func timeOfDay(hour: Int, minute: Int, on days: Set<Weekday> = Weekday.everyDay)
        throws(ScheduleValidationError) -> CronSpec
    {
        var errors = ScheduleValidationError([:])
        if !(0...23).contains(hour) || !(0...59).contains(minute) {
            errors.merge(.init(field: "time", message: "\(hour):\(minute) is not a time of day (00:00-23:59)."))
        }
        if days.isEmpty { errors.merge(.init(field: "day_of_week", message: "Choose at least one day.")) }
        if !errors.fields.isEmpty { throw errors }
        return try CronSpec(minute: String(minute), hour: String(hour), dayOfWeek: dayOfWeekField(days))
    }

    /// The same with the time as the UI enters it, `"HH:MM"` (a seconds part `":00"` is accepted, as the
    /// API's `time` field is `"05:00:00"`). A malformed time is an error on `time`.
    public static func timeOfDay(_ time: String, on days: Set<Weekday> = Weekday.everyDay)
        throws(ScheduleValidationError) -> CronSpec
    {
        let parts = time.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        let digits = parts.map { part in part.count == 2 && part.allSatisfy { $0.isASCII && $0.isNumber } ? Int(part) : nil }
        guard parts.count == 2 || (parts.count == 3 && digits[2] == 0),
            let hour = digits[0], let minute = digits[1], (0...23).contains(hour), (0...59).contains(minute)
        else {
            var errors = ScheduleValidationError(field: "time", message: "\"\(time)\" is not a time of day in the format HH:MM.")
            if days.isEmpty { errors.merge(.init(field: "day_of_week", message: "Choose at least one day.")) }
            throw errors
        }
        return try timeOfDay(hour: hour, minute: minute, on: days)
    }

    /// Days as a `day_of_week` field: `*` for all seven, runs of consecutive days as ranges
    /// (Monday-Friday is `1-5`), others listed (`1,3,5`). Sunday is 0.
    static func dayOfWeekField(_ days: Set<Weekday>) -> String {
        if days.count == 7 { return "*" }
        let numbers = days.map(\.rawValue).sorted()
        var items: [String] = []
        var index = 0
        while index < numbers.count {
            var end = index
            while end + 1 < numbers.count && numbers[end + 1] == numbers[end] + 1 { end += 1 }
            if end - index >= 2 {
                items.append("\(numbers[index])-\(numbers[end])")
            } else {
                items += numbers[index...end].map(String.init)
            }
            index = end + 1
        }
        return items.joined(separator: ",")
    }
}
