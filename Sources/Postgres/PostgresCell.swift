/// One value of a result row, as PostgreSQL sent it (text format), with its column's name and type.
public struct PostgresCell: Sendable {
    /// The raw text bytes; nil for SQL NULL.
    public let bytes: ArraySlice<UInt8>?
    /// The column's (or, inside an array, the element's) type.
    public let type: PostgresDataType
    /// The column's name (with ` element n` appended for array elements).
    public let columnName: String
    /// The column's position in the row (0-based).
    public let columnIndex: Int

    /// Makes a cell (mostly for custom decoders and tests).
    public init(bytes: ArraySlice<UInt8>?, type: PostgresDataType, columnName: String, columnIndex: Int) {
        self.bytes = bytes
        self.type = type
        self.columnName = columnName
        self.columnIndex = columnIndex
    }

    /// True for SQL NULL.
    public var isNull: Bool { bytes == nil }

    /// The value's text, or nil for NULL.
    public var string: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    /// Decodes the value; see `PostgresDecodable` for which types accept which columns.
    /// - Throws: `PostgresDecodingError`.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self) throws -> T {
        try T.decode(from: self)
    }

    /// An error naming this cell's column, the requested type and the column's type.
    public func decodingError(_ expected: Any.Type, _ reason: String) -> PostgresDecodingError {
        PostgresDecodingError(
            column: columnName, columnIndex: columnIndex, expectedType: String(describing: expected), actualType: type,
            reason: reason)
    }

    /// The bytes, or an "unexpected NULL" error for non-optional targets.
    func requireBytes(for expected: Any.Type) throws(PostgresDecodingError) -> ArraySlice<UInt8> {
        guard let bytes else {
            throw decodingError(expected, "value is NULL; decode as Optional to accept NULL")
        }
        return bytes
    }

    /// Checks the column type is one of `accepted`; types created by users (enums, domains) pass too
    /// and are parsed from their text form.
    func requireType(_ accepted: Set<PostgresDataType>, for expected: Any.Type) throws(PostgresDecodingError) {
        guard accepted.contains(type) || !type.isBuiltin else {
            throw decodingError(expected, "type mismatch")
        }
    }
}
