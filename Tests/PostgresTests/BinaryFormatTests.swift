import Foundation
import Postgres
import Testing

/// Arrays of text, int8, int4 and bool bind in PostgreSQL's binary format, and `copyIn` has a binary
/// format: what the server reads must be exactly what was sent, NULLs and awkward text included.
@Suite("Binary arrays and binary COPY")
struct BinaryFormatTests {
    static let awkward: [String?] = [
        "plain", "", "NULL", "null", nil, "a,b", "{brace}", "say \"hi\"", "back\\slash", " spaced ", "tab\tnew\nline\r",
        "é🚀 日本語", "{\"json\": [1, null]}",
    ]

    @Test func binaryArraysRoundTripElementForElement() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let ints: [Int?] = [Int.min, -1, 0, 1, nil, Int.max]
            let int32s: [Int32] = [Int32.min, -2, 0, Int32.max]
            let bools: [Bool?] = [true, nil, false]
            let row = try #require(
                try await pool.query(
                    """
                    SELECT $1::text[] AS t, $2::int8[] AS i, $3::int4[] AS i4, $4::bool[] AS b, $5::text[] AS empty,
                           cardinality($1::text[]) AS n, array_position($1::text[], NULL) AS null_at,
                           ($1::text[])[3] IS NULL AS null_string_is_null
                    """,
                    [.array(Self.awkward), .array(ints), .array(int32s), .array(bools), .array([String]())]
                ).first)
            #expect(try row.decode([String?].self, "t") == Self.awkward)
            #expect(try row.decode([Int?].self, "i") == ints)
            #expect(try row.decode([Int32].self, "i4") == int32s)
            #expect(try row.decode([Bool?].self, "b") == bools)
            #expect(try row.decode([String].self, "empty") == [])
            #expect(try row.decode(Int.self, "n") == Self.awkward.count)
            #expect(try row.decode(Int.self, "null_at") == 5)
            #expect(try row.decode(Bool.self, "null_string_is_null") == false)
            // The int8 array goes to an int4 column through a cast, as its text form did.
            #expect(try await pool.query("SELECT ($1::int8[])::int4[] AS a", [.array([1, 2])])[0].decode([Int32].self, "a") == [1, 2])
        }
    }

    /// A text COPY of a binary array bind sends its literal, which must mean the same array.
    @Test func binaryArrayBindsStillHaveTheirTextForm() async throws {
        #expect(PostgresBind.array([Int.min, 0, nil, Int.max] as [Int?]).text == "{-9223372036854775808,0,NULL,9223372036854775807}")
        #expect(PostgresBind.array([Int32(-5), 7]).text == "{-5,7}")
        #expect(PostgresBind.array([true, false]).text == "{t,f}")
        #expect(PostgresBind.array([String]()).text == "{}")
        try await TestDatabase.withSchema(poolSize: 1) { pool, schema async throws in
            try await pool.execute("CREATE TABLE texts (tags text[])")
            let table = PostgresIdentifier(schema: schema, name: "texts")
            try await pool.copyIn(into: table, columns: ["tags"], rows: [[.array(Self.awkward)]])
            #expect(try await pool.query("SELECT tags FROM texts")[0].decode([String?].self, "tags") == Self.awkward)
        }
    }

    @Test func aNulByteInATextArrayIsRefusedByTheServer() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let error = await #expect(throws: PostgresError.self) {
                try await pool.query("SELECT $1::text[] AS t", [.array(["ok", "bad\u{0}byte"])])
            }
            #expect(error?.sqlState == "22021")
            #expect(try await pool.execute("SELECT 1") == 1)
        }
    }

    @Test func binaryCopyStoresWhatWasSentAndRefusesOtherTypes() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, schema async throws in
            try await pool.execute(
                "CREATE TABLE sets (id int8, n int4, s int2, ok bool, label text, tags text[], sizes int8[], flags bool[], at timestamptz)")
            let table = PostgresIdentifier(schema: schema, name: "sets")
            let columns = ["id", "n", "s", "ok", "label", "tags", "sizes", "flags"]
            let rows: [[PostgresBind?]] = [
                [.int64(Int64.max), .int32(-3), PostgresBind(Int16(-7)), .bool(true), .string("tab\tline\n\\"), .array(Self.awkward),
                 .array([1, nil, -1] as [Int64?]), .array([false, true])],
                [.int(2), nil, nil, .bool(false), nil, .array([String]()), nil, nil],
            ]
            #expect(try await pool.copyIn(into: table, columns: columns, rows: rows, format: .binary) == 2)
            let back = try await pool.query("SELECT * FROM sets ORDER BY id")
            #expect(try back[0].decode(Int64.self, "id") == 2)
            #expect(try back[0].decode(Int32?.self, "n") == nil)
            #expect(try back[0].decode(Bool.self, "ok") == false)
            #expect(try back[0].decode([String].self, "tags") == [])
            #expect(try back[1].decode(Int64.self, "id") == Int64.max)
            #expect(try back[1].decode(Int32.self, "n") == -3)
            #expect(try back[1].decode(Int16.self, "s") == -7)
            #expect(try back[1].decode(Bool.self, "ok") == true)
            #expect(try back[1].decode(String.self, "label") == "tab\tline\n\\")
            #expect(try back[1].decode([String?].self, "tags") == Self.awkward)
            #expect(try back[1].decode([Int64?].self, "sizes") == [1, nil, -1])
            #expect(try back[1].decode([Bool].self, "flags") == [false, true])

            // A value without a binary form aborts the COPY: nothing of it is stored.
            let refused = await #expect(throws: PostgresError.self) {
                try await pool.copyIn(
                    into: table, columns: ["id", "at"], rows: [[.int(3), nil], [.int(4), .date(Date())]], format: .binary)
            }
            #expect(refused?.code == .invalidArgument)
            #expect(refused?.message.contains("column at") == true)
            // A bool in any of its text spellings converts; anything else is refused, not stored as false.
            #expect(
                try await pool.copyIn(
                    into: table, columns: ["id", "ok"], rows: [[.int(7), PostgresBind(text: "true", type: .bool)]], format: .binary) == 1)
            #expect(try await pool.query("SELECT ok FROM sets WHERE id = 7")[0].decode(Bool.self, "ok"))
            let maybe = await #expect(throws: PostgresError.self) {
                try await pool.copyIn(
                    into: table, columns: ["id", "ok"], rows: [[.int(8), PostgresBind(text: "maybe", type: .bool)]], format: .binary)
            }
            #expect(maybe?.code == .invalidArgument)
            // A server-side failure (a NUL in text) aborts it too.
            let bad = await #expect(throws: PostgresError.self) {
                try await pool.copyIn(into: table, columns: ["id", "label"], rows: [[.int(5), "ok"], [.int(6), "nul\u{0}"]], format: .binary)
            }
            #expect(bad?.sqlState == "22021")
            #expect(try await pool.query("SELECT count(*) AS n FROM sets")[0].decode(Int.self, "n") == 3)
        }
    }
}
