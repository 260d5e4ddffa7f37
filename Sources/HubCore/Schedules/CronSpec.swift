import Foundation

/// A schedule's recurrence: the five celery-crontab fields of the REST API, kept as written and parsed.
///
/// A wall-clock date-time (in the schedule's time zone) matches when its minute, hour and month are
/// allowed and its day matches. The day rule is standard cron's: when both `day_of_month` and
/// `day_of_week` restrict (neither allows every value), a day matches when EITHER does ("1 * 1" = the
/// 1st of each month and every Monday); when one of them allows every value, only the other restricts.
/// (Celery's own crontab would require both; this hub follows cron, see docs/schedules.md.)
///
/// Turning matches into instants, with the daylight-saving rule, is `ScheduleCalculator`'s job.
public struct CronSpec: Sendable, Hashable, CustomStringConvertible {
    /// The fields as the client wrote them (trimmed), for storing and echoing back.
    public let minute: String
    public let hour: String
    public let dayOfWeek: String
    public let dayOfMonth: String
    public let monthOfYear: String

    let minutes: CronField
    let hours: CronField
    let daysOfWeek: CronField
    let daysOfMonth: CronField
    let months: CronField

    /// Parses the five fields; throws every problem found, keyed by the API field name.
    public init(
        minute: String = "*", hour: String = "*", dayOfWeek: String = "*",
        dayOfMonth: String = "*", monthOfYear: String = "*"
    ) throws(ScheduleValidationError) {
        var errors = ScheduleValidationError([:])
        func field(_ text: String, _ kind: CronField.Kind) -> CronField {
            switch CronField.parse(text, kind: kind) {
            case .success(let parsed):
                return parsed
            case .failure(let problem):
                errors.merge(problem)
                return CronField(kind: kind, values: [])
            }
        }
        minutes = field(minute, .minute)
        hours = field(hour, .hour)
        daysOfWeek = field(dayOfWeek, .dayOfWeek)
        daysOfMonth = field(dayOfMonth, .dayOfMonth)
        months = field(monthOfYear, .monthOfYear)
        if !errors.fields.isEmpty { throw errors }
        self.minute = minute.trimmingCharacters(in: .whitespaces)
        self.hour = hour.trimmingCharacters(in: .whitespaces)
        self.dayOfWeek = dayOfWeek.trimmingCharacters(in: .whitespaces)
        self.dayOfMonth = dayOfMonth.trimmingCharacters(in: .whitespaces)
        self.monthOfYear = monthOfYear.trimmingCharacters(in: .whitespaces)
    }

    /// Parses the fields of an API body, `{"minute": "0", "hour": "5", ...}`; a missing key is `*`.
    public init(fields: [String: String]) throws(ScheduleValidationError) {
        try self.init(
            minute: fields["minute"] ?? "*", hour: fields["hour"] ?? "*",
            dayOfWeek: fields["day_of_week"] ?? "*", dayOfMonth: fields["day_of_month"] ?? "*",
            monthOfYear: fields["month_of_year"] ?? "*")
    }

    /// Every minute of every day.
    public static let everyMinute: CronSpec = CronSpec(
        minute: "*", hour: "*", dayOfWeek: "*", dayOfMonth: "*", monthOfYear: "*",
        minutes: CronField(kind: .minute, values: Array(CronField.Kind.minute.range)),
        hours: CronField(kind: .hour, values: Array(CronField.Kind.hour.range)),
        daysOfWeek: CronField(kind: .dayOfWeek, values: Array(CronField.Kind.dayOfWeek.range)),
        daysOfMonth: CronField(kind: .dayOfMonth, values: Array(CronField.Kind.dayOfMonth.range)),
        months: CronField(kind: .monthOfYear, values: Array(CronField.Kind.monthOfYear.range)))

    private init(
        minute: String, hour: String, dayOfWeek: String, dayOfMonth: String, monthOfYear: String,
        minutes: CronField, hours: CronField, daysOfWeek: CronField, daysOfMonth: CronField, months: CronField
    ) {
        self.minute = minute
        self.hour = hour
        self.dayOfWeek = dayOfWeek
        self.dayOfMonth = dayOfMonth
        self.monthOfYear = monthOfYear
        self.minutes = minutes
        self.hours = hours
        self.daysOfWeek = daysOfWeek
        self.daysOfMonth = daysOfMonth
        self.months = months
    }

    /// The fields keyed by API name, for an API body.
    public var fields: [String: String] {
        [
            "minute": minute, "hour": hour, "day_of_week": dayOfWeek,
            "day_of_month": dayOfMonth, "month_of_year": monthOfYear,
        ]
    }

    /// Standard cron order: `minute hour day_of_month month_of_year day_of_week`.
    public var cronExpression: String {
        "\(minute) \(hour) \(dayOfMonth) \(monthOfYear) \(dayOfWeek)"
    }

    public var description: String { cronExpression }

    /// Whether the calendar day matches (month included), with cron's day-of-month / day-of-week rule.
    /// `weekday` is 0 = Sunday.
    func dayMatches(month: Int, day: Int, weekday: Int) -> Bool {
        guard months.contains(month) else { return false }
        let domRestricts = !daysOfMonth.isUnrestricted
        let dowRestricts = !daysOfWeek.isUnrestricted
        switch (domRestricts, dowRestricts) {
        case (true, true): return daysOfMonth.contains(day) || daysOfWeek.contains(weekday)
        case (true, false): return daysOfMonth.contains(day)
        case (false, true): return daysOfWeek.contains(weekday)
        case (false, false): return true
        }
    }

    // Equality and hashing follow the parsed sets: "*/1" and "*" are the same schedule.
    public static func == (lhs: CronSpec, rhs: CronSpec) -> Bool {
        lhs.minutes == rhs.minutes && lhs.hours == rhs.hours && lhs.daysOfWeek == rhs.daysOfWeek
            && lhs.daysOfMonth == rhs.daysOfMonth && lhs.months == rhs.months
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(minutes)
        hasher.combine(hours)
        hasher.combine(daysOfWeek)
        hasher.combine(daysOfMonth)
        hasher.combine(months)
    }
}

extension CronSpec: Codable {
    private enum CodingKeys: String, CodingKey {
        case minute, hour
        case dayOfWeek = "day_of_week"
        case dayOfMonth = "day_of_month"
        case monthOfYear = "month_of_year"
    }

    /// Decodes the API's snake_case keys (a missing key is `*`) and validates like `init(minute:...)`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(
                minute: container.decodeIfPresent(String.self, forKey: .minute) ?? "*",
                hour: container.decodeIfPresent(String.self, forKey: .hour) ?? "*",
                dayOfWeek: container.decodeIfPresent(String.self, forKey: .dayOfWeek) ?? "*",
                dayOfMonth: container.decodeIfPresent(String.self, forKey: .dayOfMonth) ?? "*",
                monthOfYear: container.decodeIfPresent(String.self, forKey: .monthOfYear) ?? "*")
        } catch let error as ScheduleValidationError {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(minute, forKey: .minute)
        try container.encode(hour, forKey: .hour)
        try container.encode(dayOfWeek, forKey: .dayOfWeek)
        try container.encode(dayOfMonth, forKey: .dayOfMonth)
        try container.encode(monthOfYear, forKey: .monthOfYear)
    }
}
