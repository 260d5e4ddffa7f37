import CLibPQ

extension PostgresConnection {
    /// Runs one statement once per parameter set, pipelined: many statements are sent before their
    /// results are read, so a batch costs about one network round trip per `chunkSize` statements
    /// instead of one per statement (libpq pipeline mode).
    ///
    /// All sets run atomically: in the caller's transaction if one is open, otherwise in a transaction
    /// of their own (`BEGIN` ... `COMMIT`). For statements returning rows, the rows are discarded; keep
    /// them small (the chunk's results must fit the socket buffers while statements are being sent).
    /// For very large uniform inserts, an `unnest($1::bigint[], ...)` statement or `copyIn` is faster.
    /// - Returns: the total number of affected rows.
    /// - Throws: the first statement's `PostgresError`; nothing is committed then.
    @discardableResult
    public func executeMany(_ sql: String, _ parameterSets: [[PostgresBind?]], chunkSize: Int = 256) throws -> Int {
        guard !parameterSets.isEmpty else { return 0 }
        try Self.checkNoNUL(sql, what: "SQL text")
        let ownTransaction = transactionState == .idle
        if ownTransaction { try execute("BEGIN") }
        do {
            var total = 0
            var start = 0
            let step = max(1, chunkSize)
            while start < parameterSets.count {
                let end = min(start + step, parameterSets.count)
                total += try pipeline(sql, parameterSets[start..<end])
                start = end
            }
            if ownTransaction { try execute("COMMIT") }
            return total
        } catch {
            if ownTransaction { rollbackQuietly() }
            throw error
        }
    }

    private func pipeline(_ sql: String, _ sets: ArraySlice<[PostgresBind?]>) throws -> Int {
        let handle = try requireHandle(sql)
        guard PQenterPipelineMode(handle) == 1 else { throw Self.connectionError(handle, sql) }
        var sent = 0
        var failure: (any Error)?
        for binds in sets {
            do {
                let ok = try PostgresParameters.with(binds) { p in
                    PQsendQueryParams(handle, sql, p.count, p.types, p.values, p.lengths, p.formats, 0) == 1
                }
                guard ok else {
                    failure = Self.connectionError(handle, sql)
                    break
                }
                sent += 1
            } catch {
                failure = error
                break
            }
        }
        let synced = PQpipelineSync(handle) == 1
        var total = 0
        var serverError: PostgresError?
        for _ in 0..<sent {
            while let result = PQgetResult(handle) {
                switch PQresultStatus(result) {
                case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
                    total += Self.affectedRows(result)
                case PGRES_PIPELINE_ABORTED:
                    break
                default:
                    if serverError == nil { serverError = Self.error(from: result, handle: handle, sql: sql) }
                }
                PQclear(result)
            }
            if PQstatus(handle) != CONNECTION_OK { break }
        }
        if synced {
            while PQstatus(handle) == CONNECTION_OK, let result = PQgetResult(handle) {
                let status = PQresultStatus(result)
                PQclear(result)
                if status == PGRES_PIPELINE_SYNC { break }
            }
        }
        if PQstatus(handle) == CONNECTION_OK { _ = PQexitPipelineMode(handle) }
        if let serverError { throw serverError }
        if let failure { throw failure }
        if !synced || PQstatus(handle) != CONNECTION_OK { throw Self.connectionError(handle, sql) }
        return total
    }

    /// Loads rows with `COPY table (columns) FROM STDIN`: the fastest way to insert many rows. `nil` is
    /// NULL.
    ///
    /// In `.text` format (the default) values use the same text forms as parameters, escaped for COPY
    /// (backslash, tab, newline, carriage return); any column type works. In `.binary` format the server
    /// parses nothing, which halves its cost for rows of large arrays; every value must then be an int8,
    /// int4, int2 or bool bind, a string going to a text or varchar column, or an array bound with
    /// `.array` of text, int8, int4 or bool elements (other values abort the COPY with `.invalidArgument`).
    /// - Parameters:
    ///   - table: the target table (quoted safely).
    ///   - columns: the target columns, in the order of each row's values.
    ///   - rows: one array of values per row, each with `columns.count` entries.
    ///   - format: the COPY format.
    /// - Returns: the number of rows copied.
    /// - Throws: `PostgresError`; on any error the COPY is aborted and nothing is inserted.
    @discardableResult
    public func copyIn(
        into table: PostgresIdentifier, columns: [String], rows: some Sequence<[PostgresBind?]>, format: PostgresCopyFormat = .text
    ) throws -> Int {
        let columnList = columns.map { PostgresIdentifier($0).quoted }.joined(separator: ", ")
        let sql = "COPY \(table.quoted) (\(columnList)) FROM STDIN" + (format == .binary ? " (FORMAT binary)" : "")
        // A binary row states its field count in 16 bits (PostgreSQL allows 1,600 columns anyway).
        guard columns.count <= Int(Int16.max) else {
            throw PostgresError(code: .invalidArgument, message: "copyIn of \(columns.count) columns; PostgreSQL allows at most 1600")
        }
        let handle = try requireHandle(sql)
        try Self.checkNoNUL(sql, what: "table or column name")
        guard let start = PQexec(handle, sql) else { throw Self.connectionError(handle, sql) }
        let startStatus = PQresultStatus(start)
        if startStatus != PGRES_COPY_IN {
            defer { PQclear(start) }
            try checkResult(start, handle: handle, sql: sql)
            throw PostgresError(code: .protocolViolation, message: "server did not enter COPY IN mode", query: sql)
        }
        PQclear(start)

        var buffer = [UInt8]()
        buffer.reserveCapacity(1 << 17)
        var abortReason: PostgresError?
        func flush() -> Bool {
            guard !buffer.isEmpty else { return true }
            let ok = buffer.withUnsafeBufferPointer { bytes in
                bytes.baseAddress.map { base in
                    PQputCopyData(handle, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(bytes.count)) == 1
                } ?? true
            }
            buffer.removeAll(keepingCapacity: true)
            return ok
        }
        var rowNumber = 0
        if format == .binary {
            buffer.append(contentsOf: Self.binaryCopySignature)
            PostgresBinaryFormat.append(Int32(0), to: &buffer)  // flags
            PostgresBinaryFormat.append(Int32(0), to: &buffer)  // header extension length
        }
        rowLoop: for row in rows {
            rowNumber += 1
            guard row.count == columns.count else {
                abortReason = PostgresError(
                    code: .invalidArgument, message: "copyIn row \(rowNumber) has \(row.count) values for \(columns.count) columns")
                break
            }
            if format == .binary {
                PostgresBinaryFormat.append(Int16(row.count), to: &buffer)
                for (position, value) in row.enumerated() {
                    guard let value else {
                        PostgresBinaryFormat.append(Int32(-1), to: &buffer)
                        continue
                    }
                    guard let field = PostgresBinaryFormat.copyField(value) else {
                        abortReason = PostgresError(
                            code: .invalidArgument,
                            message: "copyIn row \(rowNumber) column \(columns[position]): a \(value.type) value cannot go in a binary COPY")
                        break rowLoop
                    }
                    guard let length = Int32(exactly: field.count) else {
                        abortReason = PostgresError(
                            code: .invalidArgument, message: "copyIn row \(rowNumber) column \(columns[position]) is over 2 GiB")
                        break rowLoop
                    }
                    PostgresBinaryFormat.append(length, to: &buffer)
                    buffer.append(contentsOf: field)
                }
                if buffer.count >= 1 << 16, !flush() { break }
                continue
            }
            for (position, value) in row.enumerated() {
                if position > 0 { buffer.append(UInt8(ascii: "\t")) }
                guard let value else {
                    buffer.append(UInt8(ascii: "\\"))
                    buffer.append(UInt8(ascii: "N"))
                    continue
                }
                var text = value.text
                // Over the contiguous UTF-8 bytes; most values need no escaping and are copied whole.
                let hasNUL = text.withUTF8 { utf8 -> Bool in
                    let special = { (byte: UInt8) in
                        byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == 0
                    }
                    guard utf8.contains(where: special) else {
                        buffer.append(contentsOf: utf8)
                        return false
                    }
                    for byte in utf8 {
                        switch byte {
                        case UInt8(ascii: "\\"): buffer.append(byte); buffer.append(byte)
                        case UInt8(ascii: "\t"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "t"))
                        case UInt8(ascii: "\n"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "n"))
                        case UInt8(ascii: "\r"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "r"))
                        case 0: return true
                        default: buffer.append(byte)
                        }
                    }
                    return false
                }
                if hasNUL {
                    abortReason = PostgresError(
                        code: .invalidArgument, message: "copyIn row \(rowNumber) column \(columns[position]) contains a NUL byte")
                    break rowLoop
                }
            }
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= 1 << 16, !flush() { break }
        }
        if format == .binary, abortReason == nil { PostgresBinaryFormat.append(Int16(-1), to: &buffer) }
        if abortReason == nil { _ = flush() }
        _ = PQputCopyEnd(handle, abortReason == nil ? nil : "aborted by client")
        var copied = 0
        var serverError: PostgresError?
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                copied = Self.affectedRows(result)
            } else if serverError == nil {
                serverError = Self.error(from: result, handle: handle, sql: sql)
            }
            PQclear(result)
        }
        if let abortReason { throw abortReason }
        if let serverError { throw serverError }
        if PQstatus(handle) != CONNECTION_OK { throw Self.connectionError(handle, sql) }
        return copied
    }

    /// The 11 bytes that open a binary COPY stream.
    private static let binaryCopySignature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]
}

/// The format of a `copyIn`.
public enum PostgresCopyFormat: Sendable {
    case text
    case binary
}
