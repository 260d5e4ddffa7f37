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
    /// The bind for an array of this type; the default builds an array literal.
    static func postgresBind(forArray values: [Self]) -> PostgresBind
    /// Decodes an array of this type; the default parses a one-dimensional array literal.
    static func decodeArray(from cell: PostgresCell) throws -> [Self]
}

extension PostgresArrayElement {
    public static func postgresBind(forArray values: [Self]) -> PostgresBind {
        // A closure, not `\.postgresArrayElementText`: in this generic context a key path is instantiated
        // by the runtime on every call, which was a seventh of the hub's CPU on busy jobs.
        PostgresBind(text: PostgresArrayLiteral.format(values.map { $0.postgresArrayElementText }), type: postgresArrayType)
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
}

extension Int: PostgresArrayElement { public static var postgresArrayType: PostgresDataType { .int8Array } }
extension Int64: PostgresArrayElement { public static var postgresArrayType: PostgresDataType { .int8Array } }
extension Int32: PostgresArrayElement { public static var postgresArrayType: PostgresDataType { .int4Array } }
extension Int16: PostgresArrayElement { public static var postgresArrayType: PostgresDataType { .int2Array } }
extension Double: PostgresArrayElement { public static var postgresArrayType: PostgresDataType { .float8Array } }
extension Float: PostgresArrayElement { public static var postgresArrayType: PostgresDataType { .float4Array } }
extension Bool: PostgresArrayElement { public static var postgresArrayType: PostgresDataType { .boolArray } }
extension String: PostgresArrayElement { public static var postgresArrayType: PostgresDataType { .textArray } }
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
