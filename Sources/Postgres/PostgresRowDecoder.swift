import Foundation

/// How `Decodable` property names map to column names.
public enum PostgresRowKeyStrategy: Sendable {
    /// Property `created_at` reads column `created_at`.
    case useColumnNames
    /// Property `createdAt` reads column `created_at`.
    case convertFromSnakeCase
}

extension PostgresRow {
    /// Decodes a whole row into a `Decodable` type, one property per column.
    ///
    /// Properties of `PostgresDecodable` types decode as `decode(_:_:)` would; other types decode from
    /// json/jsonb columns with `JSONDecoder`, or from the column's single value (enums with raw values,
    /// other integer widths). Optional properties accept NULL and missing columns.
    /// - Throws: `PostgresDecodingError` or `DecodingError` (missing column for a non-optional property).
    public func decode<T: Decodable>(_ type: T.Type, keyStrategy: PostgresRowKeyStrategy = .useColumnNames) throws -> T {
        try T(from: PostgresRowDecoder(row: self, keyStrategy: keyStrategy))
    }
}

/// `Decoder` over a row: a keyed container whose keys are column names.
struct PostgresRowDecoder: Decoder {
    let row: PostgresRow
    let keyStrategy: PostgresRowKeyStrategy
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RowContainer<Key>(row: row, keyStrategy: keyStrategy))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(
            [Any].self, .init(codingPath: [], debugDescription: "a row decodes as a keyed container (by column name)"))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        guard row.count == 1 else {
            throw DecodingError.typeMismatch(
                Any.self, .init(codingPath: [], debugDescription: "single value requested from a row of \(row.count) columns"))
        }
        return PostgresCellDecoder(cell: row[0], codingPath: [])
    }
}

struct RowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let row: PostgresRow
    let keyStrategy: PostgresRowKeyStrategy
    var codingPath: [any CodingKey] { [] }

    var allKeys: [Key] {
        row.columns.compactMap { column in
            switch keyStrategy {
            case .useColumnNames: return Key(stringValue: column.name)
            case .convertFromSnakeCase: return Key(stringValue: Self.camelCase(column.name))
            }
        }
    }

    private func columnName(_ key: Key) -> String {
        switch keyStrategy {
        case .useColumnNames: return key.stringValue
        case .convertFromSnakeCase: return Self.snakeCase(key.stringValue)
        }
    }

    static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                if !result.isEmpty { result.append("_") }
                result += character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    static func camelCase(_ name: String) -> String {
        let parts = name.split(separator: "_", omittingEmptySubsequences: true)
        guard let first = parts.first else { return name }
        return String(first) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    private func cell(_ key: Key) throws -> PostgresCell {
        guard let cell = row[columnName(key)] else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: [key], debugDescription: "no column \"\(columnName(key))\" in the row"))
        }
        return cell
    }

    func contains(_ key: Key) -> Bool { row[columnName(key)] != nil }

    func decodeNil(forKey key: Key) throws -> Bool { try cell(key).isNull }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try PostgresCellDecoder(cell: cell(key), codingPath: [key]).decodeValue(T.self)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decodeAny(type, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decodeAny(type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decodeAny(type, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decodeAny(type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decodeAny(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decodeAny(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decodeAny(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decodeAny(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decodeAny(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decodeAny(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decodeAny(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decodeAny(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decodeAny(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decodeAny(type, key) }

    private func decodeAny<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
        try PostgresCellDecoder(cell: cell(key), codingPath: [key]).decodeValue(T.self)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        throw DecodingError.typeMismatch(
            type, .init(codingPath: [key], debugDescription: "nested containers need a json/jsonb column"))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(
            [Any].self, .init(codingPath: [key], debugDescription: "nested containers need a json/jsonb column"))
    }

    func superDecoder() throws -> any Decoder { PostgresRowDecoder(row: row, keyStrategy: keyStrategy) }
    func superDecoder(forKey key: Key) throws -> any Decoder { PostgresRowDecoder(row: row, keyStrategy: keyStrategy) }
}

/// `Decoder` and single-value container over one cell.
struct PostgresCellDecoder: Decoder, SingleValueDecodingContainer {
    let cell: PostgresCell
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// PostgresDecodable types decode directly; others from JSON columns or through this container.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if let decodable = T.self as? any PostgresDecodable.Type {
            let value = try decodable.decode(from: cell)
            guard let typed = value as? T else { throw cell.decodingError(T.self, "internal type mismatch") }
            return typed
        }
        if cell.type == .json || cell.type == .jsonb, let bytes = cell.bytes {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        }
        return try T(from: self)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw DecodingError.typeMismatch(
            type, .init(codingPath: codingPath, debugDescription: "column \(cell.columnName) is not json/jsonb"))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(
            [Any].self, .init(codingPath: codingPath, debugDescription: "column \(cell.columnName) is not json/jsonb"))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { cell.isNull }

    func decode(_ type: Bool.Type) throws -> Bool { try Bool.decode(from: cell) }
    func decode(_ type: String.Type) throws -> String { try String.decode(from: cell) }
    func decode(_ type: Double.Type) throws -> Double { try Double.decode(from: cell) }
    func decode(_ type: Float.Type) throws -> Float { try Float.decode(from: cell) }
    func decode(_ type: Int.Type) throws -> Int { try integer() }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    func decode(_ type: UInt.Type) throws -> UInt { try integer() }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(T.self) }

    private func integer<I: FixedWidthInteger>() throws -> I {
        let bytes = try cell.requireBytes(for: I.self)
        try cell.requireType([.int2, .int4, .int8, .oid, .numeric], for: I.self)
        guard let value = PostgresNumberParser.integer(bytes, as: I.self) else {
            throw cell.decodingError(I.self, "value '\(String(decoding: bytes, as: UTF8.self))' is not an integer in range")
        }
        return value
    }
}
