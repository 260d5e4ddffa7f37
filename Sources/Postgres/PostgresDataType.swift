/// A PostgreSQL type, identified by its OID (`pg_type.oid`).
///
/// Built-in types have fixed OIDs, listed here as constants. User-defined types (enums, domains,
/// composite types) have OIDs assigned at creation time; they appear as values with `isBuiltin == false`.
/// `.unknown` (OID 0) on a parameter lets the server infer the type from context, exactly as it does
/// for an untyped literal such as `'abc'`.
public struct PostgresDataType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The type's OID.
    public let rawValue: UInt32

    /// Wraps an OID.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// OID 0: no type given; the server infers it (parameters) or the type is not known.
    public static let unknown = PostgresDataType(rawValue: 0)
    public static let bool = PostgresDataType(rawValue: 16)
    public static let bytea = PostgresDataType(rawValue: 17)
    public static let char = PostgresDataType(rawValue: 18)
    public static let name = PostgresDataType(rawValue: 19)
    public static let int8 = PostgresDataType(rawValue: 20)
    public static let int2 = PostgresDataType(rawValue: 21)
    public static let int4 = PostgresDataType(rawValue: 23)
    public static let text = PostgresDataType(rawValue: 25)
    public static let oid = PostgresDataType(rawValue: 26)
    public static let json = PostgresDataType(rawValue: 114)
    public static let xml = PostgresDataType(rawValue: 142)
    public static let float4 = PostgresDataType(rawValue: 700)
    public static let float8 = PostgresDataType(rawValue: 701)
    public static let unknownLiteral = PostgresDataType(rawValue: 705)
    public static let bpchar = PostgresDataType(rawValue: 1042)
    public static let varchar = PostgresDataType(rawValue: 1043)
    public static let date = PostgresDataType(rawValue: 1082)
    public static let time = PostgresDataType(rawValue: 1083)
    public static let timestamp = PostgresDataType(rawValue: 1114)
    public static let timestamptz = PostgresDataType(rawValue: 1184)
    public static let interval = PostgresDataType(rawValue: 1186)
    public static let numeric = PostgresDataType(rawValue: 1700)
    public static let uuid = PostgresDataType(rawValue: 2950)
    public static let jsonb = PostgresDataType(rawValue: 3802)

    public static let boolArray = PostgresDataType(rawValue: 1000)
    public static let byteaArray = PostgresDataType(rawValue: 1001)
    public static let nameArray = PostgresDataType(rawValue: 1003)
    public static let int2Array = PostgresDataType(rawValue: 1005)
    public static let int4Array = PostgresDataType(rawValue: 1007)
    public static let textArray = PostgresDataType(rawValue: 1009)
    public static let bpcharArray = PostgresDataType(rawValue: 1014)
    public static let varcharArray = PostgresDataType(rawValue: 1015)
    public static let int8Array = PostgresDataType(rawValue: 1016)
    public static let float4Array = PostgresDataType(rawValue: 1021)
    public static let float8Array = PostgresDataType(rawValue: 1022)
    public static let timestampArray = PostgresDataType(rawValue: 1115)
    public static let dateArray = PostgresDataType(rawValue: 1182)
    public static let timestamptzArray = PostgresDataType(rawValue: 1185)
    public static let numericArray = PostgresDataType(rawValue: 1231)
    public static let uuidArray = PostgresDataType(rawValue: 2951)
    public static let jsonArray = PostgresDataType(rawValue: 199)
    public static let jsonbArray = PostgresDataType(rawValue: 3807)

    /// Whether the OID belongs to the system catalogue (below `FirstNormalObjectId`, 16384).
    public var isBuiltin: Bool { rawValue < 16384 }

    /// For an array type known to this library, the type of its elements; nil otherwise.
    public var arrayElementType: PostgresDataType? {
        Self.elementTypes[self]
    }

    /// The array type whose elements are of this type, when known to this library.
    public var arrayType: PostgresDataType? {
        Self.arrayTypes[self]
    }

    /// The SQL name of a built-in type (`int8`, `text[]`, ...), or `oid <n>` for others.
    public var name: String {
        if let known = Self.names[self] { return known }
        if let element = arrayElementType, let elementName = Self.names[element] { return elementName + "[]" }
        return "oid \(rawValue)"
    }

    public var description: String { name }

    private static let names: [PostgresDataType: String] = [
        .unknown: "unknown", .bool: "bool", .bytea: "bytea", .char: "char", .name: "name", .int8: "int8",
        .int2: "int2", .int4: "int4", .text: "text", .oid: "oid", .json: "json", .xml: "xml",
        .float4: "float4", .float8: "float8", .unknownLiteral: "unknown", .bpchar: "bpchar",
        .varchar: "varchar", .date: "date", .time: "time", .timestamp: "timestamp",
        .timestamptz: "timestamptz", .interval: "interval", .numeric: "numeric", .uuid: "uuid",
        .jsonb: "jsonb",
    ]

    private static let elementTypes: [PostgresDataType: PostgresDataType] = [
        .boolArray: .bool, .byteaArray: .bytea, .nameArray: .name, .int2Array: .int2, .int4Array: .int4,
        .textArray: .text, .bpcharArray: .bpchar, .varcharArray: .varchar, .int8Array: .int8,
        .float4Array: .float4, .float8Array: .float8, .timestampArray: .timestamp, .dateArray: .date,
        .timestamptzArray: .timestamptz, .numericArray: .numeric, .uuidArray: .uuid, .jsonArray: .json,
        .jsonbArray: .jsonb,
    ]

    private static let arrayTypes: [PostgresDataType: PostgresDataType] = {
        var result: [PostgresDataType: PostgresDataType] = [:]
        for (array, element) in elementTypes { result[element] = array }
        return result
    }()
}
