import Foundation

/// A Swift value that can be sent as a statement parameter.
///
/// Conforming: `String`, `Substring`, `Int`, `Int64`, `Int32`, `Int16`, `Double`, `Float`, `Bool`,
/// `Date` (timestamptz), `UUID`, `Data` and `[UInt8]` (bytea), `Decimal` (numeric), `PostgresJSON`
/// (jsonb), and arrays of `PostgresArrayElement` types (`[Int]`, `[String?]`, `[UUID]`...).
public protocol PostgresEncodable: Sendable {
    /// The value as a parameter.
    var postgresBind: PostgresBind { get }
}

extension String: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: self) }
}

extension Substring: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: String(self)) }
}

extension Int: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: String(self), type: .int8) }
}

extension Int64: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: String(self), type: .int8) }
}

extension Int32: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: String(self), type: .int4) }
}

extension Int16: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: String(self), type: .int2) }
}

extension UInt8: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: String(self), type: .int2) }
}

extension Double: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: Self.postgresText(self), type: .float8) }

    static func postgresText(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return String(value)
    }
}

extension Float: PostgresEncodable {
    public var postgresBind: PostgresBind {
        let text: String
        if isNaN {
            text = "NaN"
        } else if isInfinite {
            text = self < 0 ? "-Infinity" : "Infinity"
        } else {
            text = String(self)
        }
        return PostgresBind(text: text, type: .float4)
    }
}

extension Bool: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: self ? "t" : "f", type: .bool) }
}

extension Date: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: PostgresTimestampFormat.format(self), type: .timestamptz) }
}

extension UUID: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: uuidString.lowercased(), type: .uuid) }
}

extension Data: PostgresEncodable {
    public var postgresBind: PostgresBind { .bytea(self) }
}

extension Decimal: PostgresEncodable {
    public var postgresBind: PostgresBind {
        PostgresBind(text: isNaN ? "NaN" : description, type: .numeric)
    }
}
