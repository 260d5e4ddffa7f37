import CLibPQ
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The state of the connection's transaction, as libpq tracks it (no round trip).
public enum PostgresTransactionState: Sendable, Equatable {
    /// Not in a transaction block.
    case idle
    /// A command is in progress.
    case active
    /// In a valid transaction block.
    case inTransaction
    /// In a transaction block that failed; only ROLLBACK is accepted.
    case failed
    /// The connection is bad.
    case unknown
}

/// One libpq connection, used synchronously.
///
/// Instances are handed to closures (`PostgresPool.withConnection`, `transaction`,
/// `PostgresSession.withConnection`) that run on the connection's dedicated thread; they must not
/// escape the closure or be used from any other thread, which is why the type is not `Sendable`.
/// Every statement is parameterised (`$1...$n`; text format, binary for arrays of text, int8, int4 and
/// bool) through `PQexecParams`; results (text format) are copied into Swift values and freed at once.
public final class PostgresConnection {
    private var handle: OpaquePointer?
    let configuration: PostgresConfiguration
    let logger: Logger
    var savepointCounter = 0

    private init(handle: OpaquePointer, configuration: PostgresConfiguration, logger: Logger) {
        self.handle = handle
        self.configuration = configuration
        self.logger = logger
    }

    deinit { close() }

    /// Opens a connection with `PQconnectdbParams` (blocking: call it on a connection thread).
    /// - Throws: `PostgresError` with code `.connectionFailed`.
    static func connect(configuration: PostgresConfiguration, logger: Logger) throws -> PostgresConnection {
        let parameters = configuration.connectionParameters()
        var keywords = parameters.map { strdup($0.0) }
        var values = parameters.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        keywords.append(nil)
        values.append(nil)
        let keywordPointers = keywords.map { UnsafePointer($0) }
        let valuePointers = values.map { UnsafePointer($0) }
        let handle = keywordPointers.withUnsafeBufferPointer { keywordBuffer in
            valuePointers.withUnsafeBufferPointer { valueBuffer in
                PQconnectdbParams(keywordBuffer.baseAddress, valueBuffer.baseAddress, 0)
            }
        }
        guard let handle else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = errorMessage(handle)
            PQfinish(handle)
            throw PostgresError(
                code: .connectionFailed,
                message: "cannot connect to \(configuration.host):\(configuration.port) database \(configuration.database) as \(configuration.user): \(message)")
        }
        let connection = PostgresConnection(handle: handle, configuration: configuration, logger: logger)
        PQsetNoticeProcessor(handle, postgresNoticeProcessor, Unmanaged.passUnretained(connection).toOpaque())
        logger.debug("connected", metadata: ["pid": "\(PQbackendPID(handle))"])
        return connection
    }

    /// Closes the connection (`PQfinish`). Idempotent.
    func close() {
        if let handle {
            PQfinish(handle)
            self.handle = nil
        }
    }

    /// True while the connection is open and libpq reports it healthy (no round trip).
    public var isConnected: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// The server process id serving this connection (`pg_backend_pid()`), 0 when closed.
    public var backendPID: Int32 {
        guard let handle else { return 0 }
        return PQbackendPID(handle)
    }

    /// The transaction state libpq last saw.
    public var transactionState: PostgresTransactionState {
        guard let handle else { return .unknown }
        switch PQtransactionStatus(handle) {
        case PQTRANS_IDLE: return .idle
        case PQTRANS_ACTIVE: return .active
        case PQTRANS_INTRANS: return .inTransaction
        case PQTRANS_INERROR: return .failed
        default: return .unknown
        }
    }

    /// Checks, without a round trip, that an idle connection has not been closed by the server
    /// (terminated backend, restart): unexpected input on the socket is read, which lets libpq notice
    /// an end of file. Returns false when the connection is unusable.
    func checkAlive() -> Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        let socket = PQsocket(handle)
        guard socket >= 0 else { return false }
        for _ in 0..<4 {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else { return true }
            if descriptor.revents & Int16(POLLNVAL) != 0 { return false }
            guard PQconsumeInput(handle) == 1 else { return false }
            _ = PQisBusy(handle)
            while let notification = PQnotifies(handle) { PQfreemem(notification) }
            guard PQstatus(handle) == CONNECTION_OK else { return false }
        }
        return PQstatus(handle) == CONNECTION_OK
    }

    func requireHandle(_ sql: String?) throws -> OpaquePointer {
        guard let handle else {
            throw PostgresError(code: .connectionLost, message: "the connection is closed", query: sql)
        }
        return handle
    }

    // MARK: Statements

    /// Runs one statement with parameters `$1...$n` and returns its rows.
    /// - Parameters:
    ///   - sql: a single SQL statement; values never go in here, only placeholders.
    ///   - binds: one entry per placeholder; `nil` is SQL NULL.
    /// - Throws: `PostgresError` (`.server` with SQLSTATE, `.connectionLost`, `.invalidArgument`).
    public func query(_ sql: String, _ binds: [PostgresBind?] = []) throws -> PostgresRows {
        try withResult(sql, binds) { result in
            PostgresRows(
                storage: PostgresResultStorage(copying: result), affectedRows: Self.affectedRows(result),
                commandTag: Self.commandTag(result))
        }
    }

    /// Runs one statement with parameters and returns the number of rows it affected
    /// (INSERT/UPDATE/DELETE/MERGE/COPY, rows returned by SELECT; 0 for other commands).
    /// - Throws: `PostgresError`.
    @discardableResult
    public func execute(_ sql: String, _ binds: [PostgresBind?] = []) throws -> Int {
        try withResult(sql, binds) { Self.affectedRows($0) }
    }

    /// Runs SQL text that may hold several statements separated by semicolons (simple query protocol,
    /// `PQexec`), without parameters: for migrations and fixed DDL only, never with values in it.
    /// Statements run in one implicit transaction unless the text or an enclosing block says otherwise.
    /// - Throws: `PostgresError` for the first failing statement.
    public func executeScript(_ sql: String) throws {
        let handle = try requireHandle(sql)
        try Self.checkNoNUL(sql, what: "SQL text")
        guard let result = PQexec(handle, sql) else { throw Self.connectionError(handle, sql) }
        defer { PQclear(result) }
        try checkResult(result, handle: handle, sql: sql)
    }

    /// Runs `PQexecParams`, checks the result and hands it to `body`; clears it exactly once.
    func withResult<R>(_ sql: String, _ binds: [PostgresBind?], _ body: (OpaquePointer) throws -> R) throws -> R {
        let handle = try requireHandle(sql)
        try Self.checkNoNUL(sql, what: "SQL text")
        let result = try PostgresParameters.with(binds) { p in
            PQexecParams(handle, sql, p.count, p.types, p.values, p.lengths, p.formats, 0)
        }
        guard let result else { throw Self.connectionError(handle, sql) }
        defer { PQclear(result) }
        try checkResult(result, handle: handle, sql: sql)
        return try body(result)
    }

    /// Throws the error a result carries, if any.
    func checkResult(_ result: OpaquePointer, handle: OpaquePointer, sql: String?) throws {
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE:
            return
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            // Leave COPY mode so the connection stays usable, then refuse.
            if PQresultStatus(result) == PGRES_COPY_IN {
                _ = PQputCopyEnd(handle, "COPY is only supported through copyIn")
            } else {
                var chunk: UnsafeMutablePointer<CChar>?
                while PQgetCopyData(handle, &chunk, 0) > 0 {
                    PQfreemem(chunk)
                    chunk = nil
                }
            }
            while let extra = PQgetResult(handle) { PQclear(extra) }
            throw PostgresError(
                code: .invalidArgument, message: "COPY FROM STDIN / TO STDOUT must go through copyIn, not query/execute", query: sql)
        default:
            throw Self.error(from: result, handle: handle, sql: sql)
        }
    }

    static func affectedRows(_ result: OpaquePointer) -> Int {
        guard let text = PQcmdTuples(result), text.pointee != 0 else { return 0 }
        return Int(String(cString: text)) ?? 0
    }

    static func commandTag(_ result: OpaquePointer) -> String {
        PQcmdStatus(result).map { String(cString: $0) } ?? ""
    }

    // MARK: Errors

    static func errorMessage(_ handle: OpaquePointer) -> String {
        guard let message = PQerrorMessage(handle) else { return "unknown error" }
        let text = String(cString: message).trimmingTrailingNewlines()
        return text.isEmpty ? "unknown error" : text
    }

    /// The error for a missing result (libpq could not send or the connection dropped).
    static func connectionError(_ handle: OpaquePointer, _ sql: String?) -> PostgresError {
        let bad = PQstatus(handle) != CONNECTION_OK
        return PostgresError(code: bad ? .connectionLost : .protocolViolation, message: errorMessage(handle), query: sql)
    }

    /// Builds a `PostgresError` from an error result's diagnostic fields.
    static func error(from result: OpaquePointer, handle: OpaquePointer, sql: String?) -> PostgresError {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        let sqlState = field(DiagnosticField.sqlState)
        let primary = field(DiagnosticField.messagePrimary)
        let connectionBroken = PQstatus(handle) != CONNECTION_OK
        let message: String
        if let primary {
            message = primary
        } else if let text = PQresultErrorMessage(result).map({ String(cString: $0).trimmingTrailingNewlines() }), !text.isEmpty {
            message = text
        } else {
            message = errorMessage(handle)
        }
        // Without SQLSTATE the error came from libpq itself (e.g. lost connection), not the server.
        let code: PostgresError.Code =
            connectionBroken && (sqlState == nil || sqlState?.hasPrefix("57P") == true || sqlState?.hasPrefix("08") == true)
            ? .connectionLost : (sqlState == nil ? .protocolViolation : .server)
        return PostgresError(
            code: code, message: message, sqlState: sqlState, severity: field(DiagnosticField.severityNonLocalized),
            detail: field(DiagnosticField.messageDetail), hint: field(DiagnosticField.messageHint),
            constraint: field(DiagnosticField.constraintName), schema: field(DiagnosticField.schemaName), table: field(DiagnosticField.tableName),
            column: field(DiagnosticField.columnName), query: sql)
    }

    static func checkNoNUL(_ text: String, what: String) throws {
        if text.utf8.contains(0) {
            throw PostgresError(code: .invalidArgument, message: "\(what) contains a NUL byte, which PostgreSQL cannot accept")
        }
    }
}

/// `PG_DIAG_*` field codes from postgres_ext.h (character macros, which Swift does not import).
enum DiagnosticField {
    static let sqlState = Int32(UInt8(ascii: "C"))
    static let messagePrimary = Int32(UInt8(ascii: "M"))
    static let severityNonLocalized = Int32(UInt8(ascii: "V"))
    static let messageDetail = Int32(UInt8(ascii: "D"))
    static let messageHint = Int32(UInt8(ascii: "H"))
    static let schemaName = Int32(UInt8(ascii: "s"))
    static let tableName = Int32(UInt8(ascii: "t"))
    static let columnName = Int32(UInt8(ascii: "c"))
    static let constraintName = Int32(UInt8(ascii: "n"))
}

/// PostgresConnection is confined to its thread; make accidental sharing a compile error.
@available(*, unavailable)
extension PostgresConnection: Sendable {}

/// Routes server notices (e.g. "relation already exists, skipping") to the logger instead of stderr.
private func postgresNoticeProcessor(_ context: UnsafeMutableRawPointer?, _ message: UnsafePointer<CChar>?) {
    guard let context, let message else { return }
    let connection = Unmanaged<PostgresConnection>.fromOpaque(context).takeUnretainedValue()
    connection.logger.debug("server notice: \(String(cString: message).trimmingTrailingNewlines())")
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while let last = text.last, last == "\n" || last == "\r" || last == " " { text.removeLast() }
        return text
    }
}
