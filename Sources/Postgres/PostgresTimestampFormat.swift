import Foundation

/// Conversions between `Date` and PostgreSQL's ISO text forms of timestamptz, timestamp and date.
///
/// Connections run with `TimeZone=UTC` and `DateStyle=ISO`, so the server writes
/// `2024-05-06 07:08:09.123456+00`; the parser also accepts other offsets (`+05:30`, `-08`,
/// `+05:30:15`), a missing fraction, `BC`, and `infinity`/`-infinity` (mapped to `Date.distantFuture`
/// and `Date.distantPast`). Precision is the microsecond, PostgreSQL's.
enum PostgresTimestampFormat {
    /// `YYYY-MM-DD HH:MM:SS.ffffff+00` in UTC (with ` BC` for years before 1).
    static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let clamped = max(min(seconds, 9_000_000_000_000), -9_000_000_000_000)
        let micros = Int64((clamped * 1_000_000).rounded())
        var days = micros / 86_400_000_000
        var remainder = micros % 86_400_000_000
        if remainder < 0 {
            remainder += 86_400_000_000
            days -= 1
        }
        let (year, month, day) = civil(fromDays: days)
        let secondOfDay = remainder / 1_000_000
        let fraction = remainder % 1_000_000
        var text = ""
        text.reserveCapacity(32)
        let bc = year <= 0
        append(&text, bc ? 1 - year : year, width: 4)
        text += "-"
        append(&text, month, width: 2)
        text += "-"
        append(&text, day, width: 2)
        text += " "
        append(&text, secondOfDay / 3600, width: 2)
        text += ":"
        append(&text, secondOfDay / 60 % 60, width: 2)
        text += ":"
        append(&text, secondOfDay % 60, width: 2)
        if fraction != 0 {
            text += "."
            append(&text, fraction, width: 6)
        }
        text += "+00"
        if bc { text += " BC" }
        return text
    }

    /// `YYYY-MM-DD` of the date in UTC.
    static func formatDate(_ date: Date) -> String {
        String(format(date).prefix { $0 != " " })
    }

    private static func append(_ text: inout String, _ value: Int64, width: Int) {
        let digits = String(value)
        if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
        text += digits
    }

    /// Parses timestamptz, timestamp (taken as UTC) or date (midnight UTC) text; nil when malformed.
    static func parse(_ text: ArraySlice<UInt8>) -> Date? {
        var scanner = Scanner(bytes: text)
        if scanner.matches("infinity") { return .distantFuture }
        if scanner.matches("-infinity") { return .distantPast }
        guard var year = scanner.integer(), scanner.skip("-"), let month = scanner.integer(), scanner.skip("-"),
            let day = scanner.integer(), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var micros: Int64 = 0
        var offsetSeconds: Int64 = 0
        if scanner.skip(" ") || scanner.skip("T") {
            if scanner.peekDigit {
                guard let hour = scanner.integer(), scanner.skip(":"), let minute = scanner.integer(), scanner.skip(":"),
                    let second = scanner.integer(), hour <= 24, minute < 60, second <= 60
                else { return nil }
                micros = (hour * 3600 + minute * 60 + second) * 1_000_000
                if scanner.skip(".") {
                    var fraction: Int64 = 0
                    var digits = 0
                    while let digit = scanner.digit() {
                        if digits < 6 {
                            fraction = fraction * 10 + digit
                            digits += 1
                        }
                    }
                    guard digits > 0 else { return nil }
                    for _ in digits..<6 { fraction *= 10 }
                    micros += fraction
                }
                if let sign = scanner.sign() {
                    guard let hours = scanner.integer() else { return nil }
                    var offset = hours * 3600
                    if scanner.skip(":") {
                        guard let minutes = scanner.integer() else { return nil }
                        offset += minutes * 60
                        if scanner.skip(":") {
                            guard let seconds = scanner.integer() else { return nil }
                            offset += seconds
                        }
                    }
                    offsetSeconds = sign * offset
                } else if scanner.skip("Z") {
                    offsetSeconds = 0
                }
            } else {
                scanner.unskip()
            }
        }
        if scanner.skip(" ") {
            guard scanner.matches("BC") else { return nil }
            year = 1 - year
        }
        guard scanner.atEnd else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let total = days * 86_400_000_000 + micros - offsetSeconds * 1_000_000
        return Date(timeIntervalSince1970: Double(total / 1_000_000) + Double(total % 1_000_000) / 1_000_000)
    }

    /// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// A cursor over ASCII bytes.
    private struct Scanner {
        let bytes: ArraySlice<UInt8>
        var index: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            index = bytes.startIndex
        }

        var atEnd: Bool { index >= bytes.endIndex }
        var peekDigit: Bool { !atEnd && bytes[index] >= 48 && bytes[index] <= 57 }

        mutating func matches(_ word: String) -> Bool {
            let utf8 = Array(word.utf8)
            guard bytes.endIndex - index == utf8.count, bytes[index...].elementsEqual(utf8) else { return false }
            index = bytes.endIndex
            return true
        }

        mutating func skip(_ character: UInt8) -> Bool {
            guard !atEnd, bytes[index] == character else { return false }
            index += 1
            return true
        }

        mutating func skip(_ character: Unicode.Scalar) -> Bool { skip(UInt8(ascii: character)) }

        mutating func unskip() { index -= 1 }

        mutating func digit() -> Int64? {
            guard peekDigit else { return nil }
            defer { index += 1 }
            return Int64(bytes[index] - 48)
        }

        mutating func integer() -> Int64? {
            var value: Int64 = 0
            var count = 0
            while let digit = digit() {
                guard count < 12 else { return nil }
                value = value * 10 + digit
                count += 1
            }
            return count > 0 ? value : nil
        }

        mutating func sign() -> Int64? {
            if skip("+") { return 1 }
            if skip("-") { return -1 }
            return nil
        }
    }
}
