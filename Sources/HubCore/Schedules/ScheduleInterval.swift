/// The interval of the UI's "Periodically" form (L1360-1390): a number with unit mins or hours.
public enum ScheduleInterval: Sendable, Hashable {
    case minutes(Int)
    case hours(Int)
}
