import Foundation

/// The wire's own date form, `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds), written and read by hand.
///
/// Every per-task message carries dates, and Foundation's ISO 8601 style was a twentieth of the worker's
/// CPU. It also reads the fraction as a 32-bit float, so that half of the dates it read wrote back a
/// millisecond early (`.838` read as .837999..., written as `.837`). Here a date is a whole number of
/// milliseconds, and `format(parse(text)) == text` for every text of this form in `years`.
enum WireDate {
    /// The years handled here. Foundation's calendar is Julian before the Gregorian reform of 1582: earlier
    /// dates are left to it, so that both ways always agree.
    static let years: ClosedRange<Int64> = 1583...9999

    /// The form's text for `date`, to the nearest millisecond; nil outside `years`.
    static func format(_ date: Date) -> String? {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        guard milliseconds.magnitude < 300_000_000_000_000 else { return nil }
        let total = Int64(milliseconds)
        let (days, dayMilliseconds) = floorDivision(total, 86_400_000)
        let (year, month, day) = CivilDays.civil(fromDays: days)
        guard years.contains(year) else { return nil }
        var bytes = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int64, at offset: Int, digits: Int) {
            var value = value
            for index in stride(from: offset + digits - 1, through: offset, by: -1) {
                bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(year, at: 0, digits: 4)
        put(month, at: 5, digits: 2)
        put(day, at: 8, digits: 2)
        put(dayMilliseconds / 3_600_000, at: 11, digits: 2)
        put(dayMilliseconds / 60_000 % 60, at: 14, digits: 2)
        put(dayMilliseconds / 1000 % 60, at: 17, digits: 2)
        put(dayMilliseconds % 1000, at: 20, digits: 3)
        for separator in separators { bytes[separator.offset] = separator.byte }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The date of a text of exactly this form with a valid date in `years`; nil for anything else, which
    /// is Foundation's to read (it also rolls `24:00:00` and leap seconds over, as peers may send them).
    static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { utf8 -> Date? in
            guard utf8.count == 24, separators.allSatisfy({ utf8[$0.offset] == $0.byte }) else { return nil }
            func number(_ offset: Int, _ digits: Int) -> Int64? {
                var value: Int64 = 0
                for index in offset..<offset + digits {
                    let digit = Int64(utf8[index]) - Int64(UInt8(ascii: "0"))
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
                let minute = number(14, 2), let second = number(17, 2), let millisecond = number(20, 3),
                years.contains(year), (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
                hour < 24, minute < 60, second < 60
            else { return nil }
            let seconds = CivilDays.days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
            return Date(timeIntervalSince1970: Double(seconds * 1000 + millisecond) / 1000)
        }
    }

    /// The form's fixed characters and where they are.
    private static let separators: [(offset: Int, byte: UInt8)] = [
        (4, UInt8(ascii: "-")), (7, UInt8(ascii: "-")), (10, UInt8(ascii: "T")), (13, UInt8(ascii: ":")), (16, UInt8(ascii: ":")),
        (19, UInt8(ascii: ".")), (23, UInt8(ascii: "Z")),
    ]

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }
}
