/// A day of the week numbered as celery's crontab numbers it: 0 = Sunday ... 6 = Saturday.
public enum Weekday: Int, Sendable, Hashable, CaseIterable, Comparable, Codable {
    case sunday = 0, monday, tuesday, wednesday, thursday, friday, saturday

    /// Monday to Friday.
    public static let weekdays: Set<Weekday> = [.monday, .tuesday, .wednesday, .thursday, .friday]
    public static let everyDay: Set<Weekday> = Set(allCases)

    /// The English name the UI shows ("Monday").
    public var name: String {
        switch self {
        case .sunday: "Sunday"
        case .monday: "Monday"
        case .tuesday: "Tuesday"
        case .wednesday: "Wednesday"
        case .thursday: "Thursday"
        case .friday: "Friday"
        case .saturday: "Saturday"
        }
    }

    /// Monday first, as the UI lists the days.
    var displayOrder: Int { (rawValue + 6) % 7 }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }
}
