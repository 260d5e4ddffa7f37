/// An error from the database, the connection, the pool or this library.
///
/// Server errors carry the fields PostgreSQL reports (SQLSTATE, detail, constraint...), so callers can
/// map, for example, a unique violation (`23505`) to an HTTP 400. Nothing in an error ever contains a
/// password or a bound parameter value; `query` holds the SQL text only.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, broadly.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The server rejected a statement; `sqlState` and the other server fields are set.
        public static let server = Code(name: "server")
        /// A connection could not be established.
        public static let connectionFailed = Code(name: "connectionFailed")
        /// An established connection broke (server restart, backend terminated, network). The pool
        /// discards such a connection; whether the statement ran is unknown.
        public static let connectionLost = Code(name: "connectionLost")
        /// `PostgresConfiguration` or a connection URL is invalid.
        public static let invalidConfiguration = Code(name: "invalidConfiguration")
        /// An argument cannot be sent (NUL byte in text, too many parameters, ...).
        public static let invalidArgument = Code(name: "invalidArgument")
        /// No connection became free within the pool's checkout timeout.
        public static let checkoutTimeout = Code(name: "checkoutTimeout")
        /// The pool or session was closed.
        public static let closed = Code(name: "closed")
        /// A migration list or the database's migration history is inconsistent, or a migration failed.
        public static let migration = Code(name: "migration")
        /// The server answered in a way this library does not expect.
        public static let protocolViolation = Code(name: "protocolViolation")
        public var description: String { name }
    }

    /// The broad kind of error.
    public var code: Code
    /// The primary message (the server's `PG_DIAG_MESSAGE_PRIMARY` for server errors).
    public var message: String
    /// Five-character SQLSTATE (`PG_DIAG_SQLSTATE`), for server errors.
    public var sqlState: String?
    /// Severity (`ERROR`, `FATAL`, ...), for server errors.
    public var severity: String?
    /// Optional secondary message (`PG_DIAG_MESSAGE_DETAIL`).
    public var detail: String?
    /// Optional suggestion (`PG_DIAG_MESSAGE_HINT`).
    public var hint: String?
    /// The violated constraint's name (`PG_DIAG_CONSTRAINT_NAME`), for integrity violations.
    public var constraint: String?
    /// Schema, table and column involved, when the server reports them.
    public var schema: String?
    public var table: String?
    public var column: String?
    /// The SQL text of the failing statement (never its parameter values).
    public var query: String?
    /// A wrapped underlying error (for example the server error that made a migration fail).
    public var underlying: (any Error)?

    /// Makes an error; server fields default to nil.
    public init(
        code: Code, message: String, sqlState: String? = nil, severity: String? = nil, detail: String? = nil,
        hint: String? = nil, constraint: String? = nil, schema: String? = nil, table: String? = nil,
        column: String? = nil, query: String? = nil, underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.severity = severity
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.schema = schema
        self.table = table
        self.column = column
        self.query = query
        self.underlying = underlying
    }

    /// SQLSTATE 23505: a unique or primary-key constraint rejected the row. `constraint` names it.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// SQLSTATE 23503: a foreign-key constraint rejected the statement.
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    /// SQLSTATE 40001: a serializable (or repeatable-read) transaction must be retried.
    public var isSerializationFailure: Bool { sqlState == "40001" }
    /// SQLSTATE 40P01: the transaction was chosen as a deadlock victim and may be retried.
    public var isDeadlock: Bool { sqlState == "40P01" }
    /// SQLSTATE 55P03: a lock could not be obtained (`NOWAIT`, `lock_timeout`).
    public var isLockNotAvailable: Bool { sqlState == "55P03" }
    /// True for errors after which the connection is unusable (the pool replaces it).
    public var isConnectionError: Bool { code == .connectionFailed || code == .connectionLost }

    public var description: String {
        var text = "PostgresError.\(code.name): \(message)"
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += "; detail: \(detail)" }
        if let hint { text += "; hint: \(hint)" }
        if let constraint { text += "; constraint: \(constraint)" }
        if let query { text += "; query: \(query.count > 300 ? String(query.prefix(300)) + "..." : query)" }
        if let underlying { text += "; caused by: \(underlying)" }
        return text
    }
}

/// Why a column value could not be decoded into the requested Swift type.
public struct PostgresDecodingError: Error, Sendable, CustomStringConvertible {
    /// The column's name.
    public var column: String
    /// The column's position in the result (0-based).
    public var columnIndex: Int
    /// The Swift type requested.
    public var expectedType: String
    /// The column's PostgreSQL type.
    public var actualType: PostgresDataType
    /// What exactly failed (unexpected NULL, unparsable text, type mismatch, missing column...).
    public var reason: String

    public init(column: String, columnIndex: Int, expectedType: String, actualType: PostgresDataType, reason: String) {
        self.column = column
        self.columnIndex = columnIndex
        self.expectedType = expectedType
        self.actualType = actualType
        self.reason = reason
    }

    public var description: String {
        "cannot decode column \"\(column)\" (index \(columnIndex)) of type \(actualType.name) as \(expectedType): \(reason)"
    }
}
