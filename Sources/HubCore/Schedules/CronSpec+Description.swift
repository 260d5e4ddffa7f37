/// The schedule text of the Schedules list (L2945-2955), e.g.
/// "every Monday, Wednesday, Friday at 05:00 (Europe/London)" or "every 15 minutes (UTC)".
extension CronSpec {
    /// `summary` followed by the time zone in brackets.
    public func humanDescription(timeZoneIdentifier: String) -> String {
        "\(summary) (\(timeZoneIdentifier))"
    }

    /// What the schedule does in words, for the two UI forms; other crontabs read
    /// `cron "0 5 1 * *"` (standard cron order: minute hour day_of_month month_of_year day_of_week).
    public var summary: String {
        let fallback = "cron \"\(cronExpression)\""
        guard daysOfMonth.isUnrestricted, months.isUnrestricted else { return fallback }
        let days = daysOfWeek.values.compactMap(Weekday.init(rawValue:)).sorted { $0.displayOrder < $1.displayOrder }
        let dayNames = days.map(\.name).joined(separator: ", ")
        let onDays = daysOfWeek.isUnrestricted ? "" : " on \(dayNames)"
        let minuteValues = minutes.values
        let hourValues = hours.values

        // At specific time of a day.
        if minuteValues.count == 1, hourValues.count == 1, let minute = minuteValues.first, let hour = hourValues.first {
            let time = "\(twoDigits(hour)):\(twoDigits(minute))"
            return daysOfWeek.isUnrestricted ? "every day at \(time)" : "every \(dayNames) at \(time)"
        }
        // Every N minutes.
        if hours.isUnrestricted, let step = Self.step(of: minuteValues, in: 60) {
            return (step == 1 ? "every minute" : "every \(step) minutes") + onDays
        }
        // Every N hours (at a fixed minute).
        if minuteValues.count == 1, let minute = minuteValues.first, let step = Self.step(of: hourValues, in: 24) {
            let every = step == 1 ? "every hour" : "every \(step) hours"
            let at = minute == 0 ? "" : " at minute \(minute)"
            return every + at + onDays
        }
        return fallback
    }

    /// N when `values` are exactly 0, N, 2N... below `limit` (what `*/N` gives), else nil.
    private static func step(of values: [Int], in limit: Int) -> Int? {
        guard values.first == 0 else { return nil }
        let step = values.count > 1 ? values[1] : limit
        guard step < limit else { return nil }
        return values == Array(stride(from: 0, to: limit, by: step)) ? step : nil
    }

    private func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : String(value)
    }
}
