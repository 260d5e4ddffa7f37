import Foundation

/// A type usable as the element of a one-dimensional PostgreSQL array parameter or column.
///
/// `[Int]` binds as int8[], `[String]` as text[], `[String?]` as text[] with NULL elements, and so
/// on, which is what `INSERT ... SELECT * FROM unnest($1::bigint[], $2::text[])` bulk statements need.
/// `[UInt8]` is the exception: it is bytea, not an array.
public protocol PostgresArrayElement: PostgresDecodable {
    /// The array type that holds this element type (e.g. `.int8Array` for `Int`).
    static var postgresArrayType: PostgresDataType { get }
    /// The element's text inside an array literal; nil for NULL.
    var postgresArrayElementText: String? { get }
    /// The element type when arrays of this type bind in binary format (text, int8, int4, bool); nil
    /// (the default) for array literals.
    static var postgresBinaryElementType: PostgresDataType? { get }
    /// Appends the element in binary format, or returns false for NULL. Called only when
    /// `postgresBinaryElementType` is set.
    func appendPostgresBinary(to out: inout [UInt8]) -> Bool
    /// The bind for an array of this type; the default builds the binary form where there is one, else
    /// an array literal.
    static func postgresBind(forArray values: [Self]) -> PostgresBind
    /// Decodes an array of this type; the default parses a one-dimensional array literal.
    static func decodeArray(from cell: PostgresCell) throws -> [Self]
}

extension PostgresArrayElement {
    public static var postgresBinaryElementType: PostgresDataType? { nil }

    public func appendPostgresBinary(to out: inout [UInt8]) -> Bool { false }

    public static func postgresBind(forArray values: [Self]) -> PostgresBind {
        if let elementType = postgresBinaryElementType {
            let bytes = PostgresBinaryFormat.array(values, elementType: elementType) { $0.appendPostgresBinary(to: &$1) }
            return PostgresBind(binary: bytes, type: postgresArrayType)
        }
        // A closure, not `\.postgresArrayElementText`: in this generic context a key path is instantiated
        // by the runtime on every call, which was a seventh of the hub's CPU on busy jobs.
        return PostgresBind(text: PostgresArrayLiteral.format(values.map { $0.postgresArrayElementText }), type: postgresArrayType)
    }

    public static func decodeArray(from cell: PostgresCell) throws -> [Self] {
        let bytes = try cell.requireBytes(for: [Self].self)
        let elementType: PostgresDataType
        if let known = cell.type.arrayElementType {
            elementType = known
        } else if !cell.type.isBuiltin {
            elementType = .unknown
        } else {
            throw cell.decodingError([Self].self, "type mismatch (not an array)")
        }
        let texts: [String?]
        do {
            texts = try PostgresArrayLiteral.parse(bytes)
        } catch .multidimensional {
            throw cell.decodingError([Self].self, "multi-dimensional arrays are not supported")
        } catch .malformed(let reason) {
            throw cell.decodingError([Self].self, "malformed array literal: \(reason)")
        }
        var result: [Self] = []
        result.reserveCapacity(texts.count)
        for (position, text) in texts.enumerated() {
            let element = PostgresCell(
                bytes: text.map { ArraySlice($0.utf8) }, type: elementType,
                columnName: "\(cell.columnName) element \(position + 1)", columnIndex: cell.columnIndex)
            result.append(try Self.decode(from: element))
        }
        return result
    }
}

extension PostgresArrayElement where Self: PostgresEncodable {
    public var postgresArrayElementText: String? { postgresBind.text }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public var postgresBind: PostgresBind { Element.postgresBind(forArray: self) }
}

extension Array: PostgresDecodable where Element: PostgresArrayElement {
    public static func decode(from cell: PostgresCell) throws -> [Element] { try Element.decodeArray(from: cell) }
}

extension Optional: PostgresArrayElement where Wrapped: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { Wrapped.postgresArrayType }
    public var postgresArrayElementText: String? { self?.postgresArrayElementText }
    public static var postgresBinaryElementType: PostgresDataType? { Wrapped.postgresBinaryElementType }
    public func appendPostgresBinary(to out: inout [UInt8]) -> Bool { self?.appendPostgresBinary(to: &out) ?? false }
}

extension Int: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .int8Array }
    public static var postgresBinaryElementType: PostgresDataType? { .int8 }
    public func appendPostgresBinary(to out: inout [UInt8]) -> Bool {
        PostgresBinaryFormat.append(Int64(self), to: &out)
        return true
    }
}

extension Int64: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .int8Array }
    public static var postgresBinaryElementType: PostgresDataType? { .int8 }
    public func appendPostgresBinary(to out: inout [UInt8]) -> Bool {
        PostgresBinaryFormat.append(self, to: &out)
        return true
    }
}

extension Int32: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .int4Array }
    public static var postgresBinaryElementType: PostgresDataType? { .int4 }
    public func appendPostgresBinary(to out: inout [UInt8]) -> Bool {
        PostgresBinaryFormat.append(self, to: &out)
        return true
    }
}

extension Int16: PostgresArrayElement { public static var postgresArrayType: PostgresDataType { .int2Array } }
extension Double: PostgresArrayElement { public static var postgresArrayType: PostgresDataType { .float8Array } }
extension Float: PostgresArrayElement { public static var postgresArrayType: PostgresDataType { .float4Array } }

extension Bool: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .boolArray }
    public static var postgresBinaryElementType: PostgresDataType? { .bool }
    public func appendPostgresBinary(to out: inout [UInt8]) -> Bool {
        out.append(self ? 1 : 0)
        return true
    }
}

/// Text elements go as their UTF-8 bytes. A NUL byte, which PostgreSQL text cannot hold, is refused by
/// the server's encoding check (SQLSTATE 22021).
extension String: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .textArray }
    public static var postgresBinaryElementType: PostgresDataType? { .text }
    public func appendPostgresBinary(to out: inout [UInt8]) -> Bool {
        var text = self
        text.withUTF8 { out.append(contentsOf: $0) }
        return true
    }
}
extension UUID: PostgresArrayElement { public static var postgresArrayType: PostgresDataType { .uuidArray } }
extension Date: PostgresArrayElement { public static var postgresArrayType: PostgresDataType { .timestamptzArray } }
extension Decimal: PostgresArrayElement { public static var postgresArrayType: PostgresDataType { .numericArray } }

/// `[UInt8]` is bytea: binds as hex text and decodes from a bytea column.
extension UInt8: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .bytea }

    public static func postgresBind(forArray values: [UInt8]) -> PostgresBind { .bytea(values) }

    public static func decodeArray(from cell: PostgresCell) throws -> [UInt8] {
        let bytes = try cell.requireBytes(for: [UInt8].self)
        try cell.requireType([.bytea], for: [UInt8].self)
        guard let decoded = PostgresByteaFormat.decode(bytes) else {
            throw cell.decodingError([UInt8].self, "malformed bytea text")
        }
        return decoded
    }
}
