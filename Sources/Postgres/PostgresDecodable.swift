import Foundation

/// A Swift type that can be built from a result value.
///
/// Which column types each conformance accepts (anything else throws `PostgresDecodingError` naming
/// the column, the Swift type and the column type; user-defined types such as enums and domains are
/// parsed from their text):
/// - `Int`, `Int64`, `Int32`, `Int16`: int2, int4, int8, oid, and integral numeric (range-checked).
/// - `Double`, `Float`: float4, float8, numeric, int2/4/8.
/// - `Decimal`: numeric, int2/4/8.
/// - `Bool`: bool.
/// - `String`: every type except bytea (its text form; numbers and uuids included).
/// - `Date`: timestamptz, timestamp (as UTC), date (midnight UTC).
/// - `UUID`: uuid, text, varchar.
/// - `[UInt8]`, `Data`: bytea.
/// - `PostgresJSON`: json, jsonb, text.
/// - arrays of element types: the matching one-dimensional array types (int8[], text[], ...).
/// - `Optional` of any of these: NULL becomes nil (non-optional targets throw on NULL).
public protocol PostgresDecodable: Sendable {
    /// Builds the value from a cell.
    /// - Throws: `PostgresDecodingError`.
    static func decode(from cell: PostgresCell) throws -> Self
}

private let integerTypes: Set<PostgresDataType> = [.int2, .int4, .int8, .oid, .numeric]
private let floatTypes: Set<PostgresDataType> = [.float4, .float8, .numeric, .int2, .int4, .int8]
private let timestampTypes: Set<PostgresDataType> = [.timestamptz, .timestamp, .date]

enum PostgresNumberParser {
    /// Parses `[-+]digits` (and integral numeric such as `42.000`) without allocating.
    static func integer<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, as: T.Type) -> T? {
        var index = bytes.startIndex
        guard index < bytes.endIndex else { return nil }
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        } else if bytes[index] == UInt8(ascii: "+") {
            index += 1
        }
        guard index < bytes.endIndex else { return nil }
        var value: T = 0
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                // numeric with a fractional part: integral only if every fraction digit is 0.
                guard bytes[(index + 1)...].allSatisfy({ $0 == UInt8(ascii: "0") }) else { return nil }
                break
            }
            guard byte >= 48, byte <= 57 else { return nil }
            let digit = T(byte - 48)
            let (multiplied, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative ? multiplied.subtractingReportingOverflow(digit) : multiplied.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = next
            index += 1
        }
        return value
    }
}

extension FixedWidthInteger where Self: PostgresDecodable {
    static func decodeInteger(from cell: PostgresCell) throws -> Self {
        let bytes = try cell.requireBytes(for: Self.self)
        try cell.requireType(integerTypes, for: Self.self)
        guard let value = PostgresNumberParser.integer(bytes, as: Self.self) else {
            throw cell.decodingError(Self.self, "value '\(String(decoding: bytes, as: UTF8.self))' is not an integer in range")
        }
        return value
    }
}

extension Int: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Int { try decodeInteger(from: cell) }
}

extension Int64: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Int64 { try decodeInteger(from: cell) }
}

extension Int32: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Int32 { try decodeInteger(from: cell) }
}

extension Int16: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Int16 { try decodeInteger(from: cell) }
}

extension UInt8: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> UInt8 { try decodeInteger(from: cell) }
}

extension Double: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Double {
        let bytes = try cell.requireBytes(for: Double.self)
        try cell.requireType(floatTypes, for: Double.self)
        let text = String(decoding: bytes, as: UTF8.self)
        guard let value = Double(text) else { throw cell.decodingError(Double.self, "value '\(text)' is not a number") }
        return value
    }
}

extension Float: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Float {
        let bytes = try cell.requireBytes(for: Float.self)
        try cell.requireType(floatTypes, for: Float.self)
        let text = String(decoding: bytes, as: UTF8.self)
        guard let value = Float(text) else { throw cell.decodingError(Float.self, "value '\(text)' is not a number") }
        return value
    }
}

extension Decimal: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Decimal {
        let bytes = try cell.requireBytes(for: Decimal.self)
        try cell.requireType([.numeric, .int2, .int4, .int8], for: Decimal.self)
        let text = String(decoding: bytes, as: UTF8.self)
        if text == "NaN" { return .nan }
        guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
            throw cell.decodingError(Decimal.self, "value '\(text)' is not a decimal number")
        }
        return value
    }
}

extension Bool: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Bool {
        let bytes = try cell.requireBytes(for: Bool.self)
        try cell.requireType([.bool], for: Bool.self)
        switch bytes.first {
        case UInt8(ascii: "t") where bytes.count == 1: return true
        case UInt8(ascii: "f") where bytes.count == 1: return false
        default: throw cell.decodingError(Bool.self, "value '\(String(decoding: bytes, as: UTF8.self))' is not t or f")
        }
    }
}

extension String: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> String {
        let bytes = try cell.requireBytes(for: String.self)
        guard cell.type != .bytea else {
            throw cell.decodingError(String.self, "bytea decodes as [UInt8] or Data, not String")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Date: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Date {
        let bytes = try cell.requireBytes(for: Date.self)
        try cell.requireType(timestampTypes, for: Date.self)
        guard let date = PostgresTimestampFormat.parse(bytes) else {
            throw cell.decodingError(Date.self, "value '\(String(decoding: bytes, as: UTF8.self))' is not an ISO timestamp")
        }
        return date
    }
}

extension UUID: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> UUID {
        let bytes = try cell.requireBytes(for: UUID.self)
        try cell.requireType([.uuid, .text, .varchar, .bpchar], for: UUID.self)
        let text = String(decoding: bytes, as: UTF8.self)
        guard let uuid = UUID(uuidString: text) else { throw cell.decodingError(UUID.self, "value '\(text)' is not a UUID") }
        return uuid
    }
}

extension Data: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Data {
        Data(try [UInt8].decode(from: cell))
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    /// nil for SQL NULL, otherwise the wrapped type's decoding.
    public static func decode(from cell: PostgresCell) throws -> Wrapped? {
        if cell.isNull { return nil }
        return try Wrapped.decode(from: cell)
    }
}
