/// Finding matching wall times by skipping whole fields (month, day, hour, minute) at a time, so a
/// search over years takes a few hundred steps, not millions of minutes.
extension CronSpec {
    /// Whether the wall time matches every field (with the day rule of `dayMatches`).
    func matches(_ wall: WallTime) -> Bool {
        minutes.contains(wall.minute) && hours.contains(wall.hour)
            && dayMatches(month: wall.month, day: wall.day, weekday: wall.weekday)
    }

    /// The first matching wall time >= `start`, looking no further than the end of `lastYear`.
    func firstMatch(atOrAfter start: WallTime, lastYear: Int) -> WallTime? {
        var (year, month, day, hour, minute) = (start.year, start.month, start.day, start.hour, start.minute)
        while year <= lastYear {
            guard let nextMonth = months.next(atOrAfter: month) else {
                (year, month, day, hour, minute) = (year + 1, 1, 1, 0, 0)
                continue
            }
            if nextMonth != month { (month, day, hour, minute) = (nextMonth, 1, 0, 0) }
            if day > WallTime.daysInMonth(year: year, month: month) {
                (month, day, hour, minute) = (month + 1, 1, 0, 0)
                continue
            }
            let weekday = WallTime.weekday(year: year, month: month, day: day)
            guard dayMatches(month: month, day: day, weekday: weekday), let nextHour = hours.next(atOrAfter: hour) else {
                (day, hour, minute) = (day + 1, 0, 0)
                continue
            }
            if nextHour != hour { (hour, minute) = (nextHour, 0) }
            guard let nextMinute = minutes.next(atOrAfter: minute) else {
                (hour, minute) = (hour + 1, 0)
                continue
            }
            return WallTime(year: year, month: month, day: day, hour: hour, minute: nextMinute)
        }
        return nil
    }

    /// The last matching wall time <= `start`, looking no further back than the start of `firstYear`.
    func lastMatch(atOrBefore start: WallTime, firstYear: Int) -> WallTime? {
        var (year, month, day, hour, minute) = (start.year, start.month, start.day, start.hour, start.minute)
        while year >= firstYear {
            guard let previousMonth = months.previous(atOrBefore: month) else {
                (year, month, day, hour, minute) = (year - 1, 12, 31, 23, 59)
                continue
            }
            if previousMonth != month { (month, day, hour, minute) = (previousMonth, 31, 23, 59) }
            let length = WallTime.daysInMonth(year: year, month: month)
            if day > length { (day, hour, minute) = (length, 23, 59) }
            if day < 1 {
                (month, day, hour, minute) = (month - 1, 31, 23, 59)
                continue
            }
            let weekday = WallTime.weekday(year: year, month: month, day: day)
            guard dayMatches(month: month, day: day, weekday: weekday),
                let previousHour = hours.previous(atOrBefore: hour)
            else {
                (day, hour, minute) = (day - 1, 23, 59)
                continue
            }
            if previousHour != hour { (hour, minute) = (previousHour, 59) }
            guard let previousMinute = minutes.previous(atOrBefore: minute) else {
                (hour, minute) = (hour - 1, 59)
                continue
            }
            return WallTime(year: year, month: month, day: day, hour: hour, minute: previousMinute)
        }
        return nil
    }
}
