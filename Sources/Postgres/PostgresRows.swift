import CLibPQ
import Foundation

/// A result column: its name and type.
public struct PostgresColumn: Sendable, Hashable {
    public let name: String
    public let type: PostgresDataType
}

/// The immutable copy of one `PGresult`: every value in one byte buffer, plus offsets.
/// Two allocations per result however many cells; rows are views into it.
final class PostgresResultStorage: Sendable {
    let columns: [PostgresColumn]
    let rowCount: Int
    /// All values' bytes, back to back.
    let buffer: [UInt8]
    /// Per cell (row-major): start offset in `buffer`, and length (-1 for NULL).
    let starts: [Int]
    let lengths: [Int32]
    /// Column name to index, for results with many columns (small results search linearly).
    let index: [String: Int]

    init(columns: [PostgresColumn], rowCount: Int, buffer: [UInt8], starts: [Int], lengths: [Int32]) {
        self.columns = columns
        self.rowCount = rowCount
        self.buffer = buffer
        self.starts = starts
        self.lengths = lengths
        var index: [String: Int] = [:]
        if columns.count > 12 {
            for (position, column) in columns.enumerated().reversed() { index[column.name] = position }
        }
        self.index = index
    }

    /// Copies everything out of a result (the caller still owns and clears it).
    convenience init(copying result: OpaquePointer) {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [PostgresColumn] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            let name = PQfname(result, Int32(column)).map { String(cString: $0) } ?? "?column?"
            columns.append(PostgresColumn(name: name, type: PostgresDataType(rawValue: PQftype(result, Int32(column)))))
        }
        let cellCount = rowCount * columnCount
        var starts = [Int]()
        var lengths = [Int32]()
        starts.reserveCapacity(cellCount)
        lengths.reserveCapacity(cellCount)
        var total = 0
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                total += Int(PQgetlength(result, row, column))
            }
        }
        var buffer = [UInt8]()
        buffer.reserveCapacity(total)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) != 0 {
                    starts.append(buffer.count)
                    lengths.append(-1)
                    continue
                }
                let length = PQgetlength(result, row, column)
                starts.append(buffer.count)
                lengths.append(length)
                if length > 0, let value = PQgetvalue(result, row, column) {
                    buffer.append(contentsOf: UnsafeRawBufferPointer(start: value, count: Int(length)))
                }
            }
        }
        self.init(columns: columns, rowCount: rowCount, buffer: buffer, starts: starts, lengths: lengths)
    }

    func columnIndex(_ name: String) -> Int? {
        if !index.isEmpty { return index[name] }
        return columns.firstIndex { $0.name == name }
    }

    func cell(row: Int, column: Int) -> PostgresCell {
        let position = row * columns.count + column
        let length = lengths[position]
        let bytes: ArraySlice<UInt8>? = length < 0 ? nil : buffer[starts[position]..<(starts[position] + Int(length))]
        return PostgresCell(bytes: bytes, type: columns[column].type, columnName: columns[column].name, columnIndex: column)
    }
}

/// The rows a statement returned, fully copied out of libpq (so it is `Sendable` and outlives the
/// connection), plus the affected-row count and command tag.
public struct PostgresRows: Sendable, RandomAccessCollection {
    let storage: PostgresResultStorage
    /// Rows affected for INSERT/UPDATE/DELETE/MERGE/COPY (and rows returned by SELECT); 0 otherwise.
    public let affectedRows: Int
    /// The command tag, e.g. `INSERT 0 3`, `UPDATE 5`, `SELECT 1`.
    public let commandTag: String

    init(storage: PostgresResultStorage, affectedRows: Int, commandTag: String) {
        self.storage = storage
        self.affectedRows = affectedRows
        self.commandTag = commandTag
    }

    /// The result's columns in order.
    public var columns: [PostgresColumn] { storage.columns }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.rowCount }

    /// The row at `position` (0-based); traps when out of range, like any collection.
    public subscript(position: Int) -> PostgresRow {
        precondition(position >= 0 && position < storage.rowCount, "row index out of range")
        return PostgresRow(storage: storage, row: position)
    }

    /// The only row, or nil when there are none.
    /// - Throws: `PostgresError` (`.protocolViolation`) when there is more than one row.
    public func singleRow() throws -> PostgresRow? {
        guard count <= 1 else {
            throw PostgresError(code: .protocolViolation, message: "expected at most one row, got \(count)")
        }
        return first
    }

    /// Decodes one column of every row.
    /// - Throws: `PostgresDecodingError`.
    public func decodeColumn<T: PostgresDecodable>(_ type: T.Type, _ column: String) throws -> [T] {
        try map { try $0.decode(T.self, column) }
    }

    /// Decodes every row into a `Decodable` type by column name (see `PostgresRow.decode(_:keyStrategy:)`).
    /// - Throws: `PostgresDecodingError` or `DecodingError`.
    public func decode<T: Decodable>(_ type: T.Type, keyStrategy: PostgresRowKeyStrategy = .useColumnNames) throws -> [T] {
        try map { try $0.decode(T.self, keyStrategy: keyStrategy) }
    }
}

/// One row of a result: look values up by column name or index and decode them.
public struct PostgresRow: Sendable {
    let storage: PostgresResultStorage
    let row: Int

    /// The row's columns in order.
    public var columns: [PostgresColumn] { storage.columns }

    /// The number of columns.
    public var count: Int { storage.columns.count }

    /// The cell in column `index` (0-based); traps when out of range.
    public subscript(index: Int) -> PostgresCell {
        precondition(index >= 0 && index < storage.columns.count, "column index out of range")
        return storage.cell(row: row, column: index)
    }

    /// The cell in the first column called `name`, or nil when there is no such column.
    public subscript(name: String) -> PostgresCell? {
        storage.columnIndex(name).map { storage.cell(row: row, column: $0) }
    }

    /// `row["name", as: String.self]`: decodes a column by name.
    /// - Throws: `PostgresDecodingError` (missing column, NULL into non-optional, type mismatch).
    public subscript<T: PostgresDecodable>(name: String, as type: T.Type) -> T {
        get throws { try decode(T.self, name) }
    }

    /// Decodes the column called `column`.
    /// - Throws: `PostgresDecodingError` naming the column, the requested type and the column's type.
    public func decode<T: PostgresDecodable>(_ type: T.Type, _ column: String) throws -> T {
        guard let index = storage.columnIndex(column) else {
            throw PostgresDecodingError(
                column: column, columnIndex: -1, expectedType: String(describing: T.self), actualType: .unknown,
                reason: "no such column (columns: \(storage.columns.map(\.name).joined(separator: ", ")))")
        }
        return try T.decode(from: storage.cell(row: row, column: index))
    }

    /// Decodes the column at `index` (0-based).
    /// - Throws: `PostgresDecodingError`.
    public func decode<T: PostgresDecodable>(_ type: T.Type, at index: Int) throws -> T {
        guard index >= 0, index < storage.columns.count else {
            throw PostgresDecodingError(
                column: "#\(index)", columnIndex: index, expectedType: String(describing: T.self), actualType: .unknown,
                reason: "no such column (the row has \(storage.columns.count))")
        }
        return try T.decode(from: storage.cell(row: row, column: index))
    }

    /// Decodes a json/jsonb column with `JSONDecoder`.
    /// - Throws: `PostgresDecodingError`, or the JSON decoder's error.
    public func decodeJSON<T: Decodable>(_ type: T.Type, _ column: String, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        try decode(PostgresJSON.self, column).decode(T.self, decoder: decoder)
    }
}
