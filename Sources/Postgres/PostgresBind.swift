import Foundation

/// One statement parameter (`$1`, `$2`, ...) with its type, in PostgreSQL's text format or, for arrays
/// of text, int8, int4 and bool, its binary format.
///
/// Values reach the server only as parameters, never spliced into SQL. A `nil` in a
/// `[PostgresBind?]` parameter list is SQL NULL. Strings are sent with type `.unknown`, so the server
/// treats them like a quoted literal and converts them to the column's type (text, varchar, enum,
/// uuid, jsonb...); all other values carry their type (`Int` is int8, `Date` timestamptz, ...).
/// When a function's argument type cannot be inferred from an untyped string, add a cast (`$1::text`).
///
/// Arrays go binary where they can because the text form costs both sides a pass over every byte: the
/// client quotes and escapes each element (JSON documents are full of quotes) and the server's
/// `array_in` undoes it. On large jobs that was a tenth of the hub's CPU and more of PostgreSQL's.
///
/// Literals work directly: `[42, "name", true, 1.5, nil]`.
public struct PostgresBind: Sendable, Hashable {
    enum Payload: Sendable, Hashable {
        /// PostgreSQL's text input format.
        case text(String)
        /// PostgreSQL's binary (`send`/`recv`) format.
        case binary([UInt8])
    }

    let payload: Payload
    /// The parameter's declared type; `.unknown` lets the server infer it.
    public let type: PostgresDataType

    /// A value in text format with an explicit type (for types this library does not wrap).
    public init(text: String, type: PostgresDataType = .unknown) {
        self.payload = .text(text)
        self.type = type
    }

    /// A value in binary format; `type` must be the type whose `recv` function reads these bytes.
    init(binary: [UInt8], type: PostgresDataType) {
        self.payload = .binary(binary)
        self.type = type
    }

    /// The value in text format: as given, or, for a binary array, the equivalent array literal.
    public var text: String {
        switch payload {
        case .text(let text): return text
        case .binary(let bytes): return PostgresBinaryFormat.arrayLiteral(bytes) ?? ""
        }
    }

    /// The bind for any encodable value.
    public init<T: PostgresEncodable>(_ value: T) { self = value.postgresBind }

    /// The bind for an optional value: nil (SQL NULL) when the value is nil.
    public init?<T: PostgresEncodable>(nullable value: T?) {
        guard let value else { return nil }
        self = value.postgresBind
    }

    /// Text (sent untyped, like a quoted literal).
    public static func string(_ value: String) -> PostgresBind { PostgresBind(text: value) }
    /// int8.
    public static func int(_ value: Int) -> PostgresBind { value.postgresBind }
    /// int8.
    public static func int64(_ value: Int64) -> PostgresBind { value.postgresBind }
    /// int4.
    public static func int32(_ value: Int32) -> PostgresBind { value.postgresBind }
    /// float8.
    public static func double(_ value: Double) -> PostgresBind { value.postgresBind }
    /// bool.
    public static func bool(_ value: Bool) -> PostgresBind { value.postgresBind }
    /// bytea (sent as hex text; any bytes including zero).
    public static func bytea(_ value: some Collection<UInt8>) -> PostgresBind {
        PostgresBind(text: PostgresByteaFormat.encode(value), type: .bytea)
    }
    /// timestamptz, microsecond precision.
    public static func date(_ value: Date) -> PostgresBind { value.postgresBind }
    /// uuid.
    public static func uuid(_ value: UUID) -> PostgresBind { value.postgresBind }
    /// jsonb from JSON text (not validated here; the server rejects malformed JSON with 22P02).
    public static func json(_ text: String) -> PostgresBind { PostgresBind(text: text, type: .jsonb) }
    /// jsonb from an `Encodable` value.
    /// - Throws: whatever `JSONEncoder` throws.
    public static func json(encoding value: some Encodable, encoder: JSONEncoder = JSONEncoder()) throws -> PostgresBind {
        let data = try encoder.encode(value)
        return PostgresBind(text: String(decoding: data, as: UTF8.self), type: .jsonb)
    }
    /// An array (int8[], text[], ...): elements may be optional for NULL elements.
    public static func array<Element: PostgresArrayElement>(_ values: [Element]) -> PostgresBind {
        values.postgresBind
    }
}

extension PostgresBind: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(text: value) }
}

extension PostgresBind: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = value.postgresBind }
}

extension PostgresBind: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = value.postgresBind }
}

extension PostgresBind: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = value.postgresBind }
}
