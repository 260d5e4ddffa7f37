import Foundation
import Shared

/// The API's timestamp form: ISO 8601, UTC, microseconds, `Z` (`2025-06-24T13:17:09.771857Z`, manual
/// passim), computed with integer arithmetic so that microseconds never round into the next second.
enum APIDate {
    static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = CivilDays.civil(fromDays: days)
        return String(
            format: "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lldZ", year, month, day, secondOfDay / 3600,
            (secondOfDay % 3600) / 60, secondOfDay % 60, fraction)
    }
}
