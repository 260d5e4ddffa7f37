import Foundation
import Postgres
import Testing

@Suite("Type round trips")
struct TypeRoundTripTests {
    struct Payload: Codable, Equatable, Sendable {
        var name: String
        var sizes: [Int]
    }

    @Test func everySupportedTypeRoundTripsThroughATable() async throws {
        try await TestDatabase.withSchema { pool, _ async throws in
            try await pool.execute(
                """
                CREATE TABLE everything (
                    id bigserial PRIMARY KEY,
                    t text, i8 bigint, i4 integer, i2 smallint, f8 double precision, f4 real, b boolean,
                    by bytea, ts timestamptz, tsl timestamp, d date, u uuid, j jsonb, js json, n numeric,
                    ia bigint[], ta text[], ua uuid[], vc varchar(40)
                )
                """)
            let date = Date(timeIntervalSince1970: 1_715_000_000.123456)
            let old = Date(timeIntervalSince1970: -2_208_988_800.5)  // 1899-12-31 23:59:59.5 UTC
            let uuid = UUID()
            let bytes: [UInt8] = [0, 1, 0, 255, 0, 0x5C, 0x27, 0]
            let texts: [String?] = ["a,b", "c\"d", "NULL", "null", "", " spaced ", "back\\slash", "{brace}", nil, "é🚀"]
            let unicode = "héllo wörld 🚀 日本語 \u{1F600} 'quotes' \"double\" \\ tab\tnewline\n"
            let payload = Payload(name: "x", sizes: [1, 2])
            let decimal = try #require(Decimal(string: "12345678901234567890.125"))
            let insert =
                "INSERT INTO everything (t, i8, i4, i2, f8, f4, b, by, ts, tsl, d, u, j, js, n, ia, ta, ua, vc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id"
            let binds: [PostgresBind?] = [
                .string(unicode), .int64(Int64.max), .int32(Int32.min), PostgresBind(Int16(-7)), .double(-1.5e-300),
                PostgresBind(Float(3.25)), .bool(true), .bytea(bytes), .date(date), .date(old), .date(date), .uuid(uuid),
                try .json(encoding: payload), .json("{\"k\": [1, null]}"), PostgresBind(decimal),
                .array([Int.min, 0, Int.max]), .array(texts), .array([uuid, uuid]), "varchar ✓",
            ]
            let id = try await pool.query(insert, binds)[0].decode(Int.self, "id")
            let nullBinds = [PostgresBind?](repeating: nil, count: 19)
            let nullID = try await pool.query(insert, nullBinds)[0].decode(Int.self, "id")

            let row = try #require(try await pool.query("SELECT * FROM everything WHERE id = $1", [.int(id)]).first)
            #expect(try row.decode(String.self, "t") == unicode)
            #expect(try row.decode(Int64.self, "i8") == Int64.max)
            #expect(try row.decode(Int.self, "i8") == Int.max)
            #expect(try row.decode(Int32.self, "i4") == Int32.min)
            #expect(try row.decode(Int16.self, "i2") == -7)
            #expect(try row.decode(Int.self, "i2") == -7)
            #expect(try row.decode(Double.self, "f8") == -1.5e-300)
            #expect(try row.decode(Float.self, "f4") == 3.25)
            #expect(try row.decode(Bool.self, "b") == true)
            #expect(try row.decode([UInt8].self, "by") == bytes)
            #expect(try row.decode(Data.self, "by") == Data(bytes))
            let ts = try row.decode(Date.self, "ts")
            #expect(abs(ts.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_001)
            #expect(try row.decode(Date.self, "tsl").timeIntervalSince1970 == old.timeIntervalSince1970)
            #expect(try row.decode(Date.self, "d").timeIntervalSince1970 == 1_714_953_600)  // 2024-05-06 00:00 UTC
            #expect(try row.decode(UUID.self, "u") == uuid)
            #expect(try row.decodeJSON(Payload.self, "j") == payload)
            #expect(try row.decode(PostgresJSON.self, "js").text == "{\"k\": [1, null]}")
            #expect(try row.decode(Decimal.self, "n") == decimal)
            #expect(try row.decode(String.self, "n") == "12345678901234567890.125")
            #expect(try row.decode([Int].self, "ia") == [Int.min, 0, Int.max])
            #expect(try row.decode([String?].self, "ta") == texts)
            #expect(try row.decode([UUID].self, "ua") == [uuid, uuid])
            #expect(try row["vc", as: String.self] == "varchar ✓")
            #expect(try row.decode(String.self, at: 1) == unicode)

            let nullRow = try #require(try await pool.query("SELECT * FROM everything WHERE id = $1", [.int(nullID)]).first)
            for column in nullRow.columns where column.name != "id" {
                #expect(nullRow[column.name]?.isNull == true, "column \(column.name)")
            }
            #expect(try nullRow.decode(String?.self, "t") == nil)
            #expect(try nullRow.decode(Int?.self, "i8") == nil)
            #expect(try nullRow.decode(Date?.self, "ts") == nil)
            #expect(try nullRow.decode([UInt8]?.self, "by") == nil)
            #expect(try nullRow.decode([String?]?.self, "ta") == nil)
            #expect(try nullRow.decode(UUID?.self, "u") == nil)
            let nullError = #expect(throws: PostgresDecodingError.self) { try nullRow.decode(Int.self, "i8") }
            #expect(nullError?.column == "i8")
            #expect(nullError?.reason.contains("NULL") == true)
        }
    }

    @Test func typedParametersComeBackWithTheirTypes() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let uuid = UUID()
            let row = try #require(
                try await pool.query(
                    "SELECT $1 AS i, $2 AS d, $3 AS b, $4 AS u, $5 AS a, $6 AS s, $7 AS n, $8 AS e",
                    [42, 2.5, true, .uuid(uuid), .array(["x", "y"]), "text", nil, .array([Int]())]
                ).first)
            #expect(row.columns.map(\.type) == [.int8, .float8, .bool, .uuid, .textArray, .text, .text, .int8Array])
            #expect(try row.decode(Int.self, "i") == 42)
            #expect(try row.decode(Double.self, "d") == 2.5)
            #expect(try row.decode(Bool.self, "b"))
            #expect(try row.decode(UUID.self, "u") == uuid)
            #expect(try row.decode([String].self, "a") == ["x", "y"])
            #expect(try row.decode(String.self, "s") == "text")
            #expect(try row.decode(String?.self, "n") == nil)
            #expect(try row.decode([Int].self, "e") == [])

            let missingDate: Date? = nil
            let presentDate: Date? = Date(timeIntervalSince1970: 86_400)
            let dates = try #require(
                try await pool.query(
                    "SELECT $1::timestamptz AS missing, $2::timestamptz AS present",
                    [PostgresBind(nullable: missingDate), PostgresBind(nullable: presentDate)]
                ).first)
            #expect(try dates.decode(Date?.self, "missing") == nil)
            #expect(try dates.decode(Date?.self, "present") == presentDate)
        }
    }

    @Test func specialFloatsAndExtremeTimestamps() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let row = try #require(
                try await pool.query(
                    "SELECT $1::float8 AS inf, $2::float8 AS nan, $3::timestamptz AS past, 'infinity'::timestamptz AS forever, '0044-03-15 12:00:00+00 BC'::timestamptz AS caesar, '2024-01-01 05:30:00+05:30'::timestamptz AS offset",
                    [.double(-.infinity), .double(.nan), .date(Date(timeIntervalSince1970: -1))]
                ).first)
            #expect(try row.decode(Double.self, "inf") == -.infinity)
            #expect(try row.decode(Double.self, "nan").isNaN)
            #expect(try row.decode(Date.self, "past").timeIntervalSince1970 == -1)
            #expect(try row.decode(Date.self, "forever") == .distantFuture)
            #expect(try row.decode(Date.self, "offset").timeIntervalSince1970 == 1_704_067_200)
            let caesar = try row.decode(Date.self, "caesar")
            let roundTrip = try #require(try await pool.query("SELECT $1::timestamptz AS c", [.date(caesar)]).first)
            #expect(try roundTrip.decode(Date.self, "c") == caesar)
        }
    }

    @Test func decodingErrorsNameColumnAndTypes() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let row = try #require(try await pool.query("SELECT 'abc'::text AS name, 5000000000::bigint AS big, '\\x00'::bytea AS raw").first)
            let mismatch = #expect(throws: PostgresDecodingError.self) { try row.decode(Int.self, "name") }
            #expect(mismatch?.column == "name")
            #expect(mismatch?.expectedType == "Int")
            #expect(mismatch?.actualType == .text)
            #expect(mismatch?.description.contains("text") == true)
            let overflow = #expect(throws: PostgresDecodingError.self) { try row.decode(Int32.self, "big") }
            #expect(overflow?.reason.contains("5000000000") == true)
            #expect(throws: PostgresDecodingError.self) { try row.decode(String.self, "raw") }
            let missing = #expect(throws: PostgresDecodingError.self) { try row.decode(Int.self, "nope") }
            #expect(missing?.reason.contains("no such column") == true)
            #expect(throws: PostgresDecodingError.self) { try row.decode(Date.self, "name") }
        }
    }

    @Test func serverProducedArrayLiteralsDecode() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let row = try #require(
                try await pool.query(
                    """
                    SELECT '{"a b",NULL,"NULL",c,"",  " x "}'::text[] AS t, '[0:2]={1,2,3}'::int[] AS shifted,
                           '{{1,2},{3,4}}'::int[] AS grid, '{}'::int[] AS empty, '{t,f}'::bool[] AS flags,
                           ARRAY[1.5, NULL]::float8[] AS floats, ARRAY[1, 2]::int2[] AS smalls
                    """
                ).first)
            #expect(try row.decode([String?].self, "t") == ["a b", nil, "NULL", "c", "", " x "])
            #expect(try row.decode([Int].self, "shifted") == [1, 2, 3])
            #expect(try row.decode([Int32].self, "empty") == [])
            #expect(try row.decode([Bool].self, "flags") == [true, false])
            #expect(try row.decode([Double?].self, "floats") == [1.5, nil])
            #expect(try row.decode([Int16].self, "smalls") == [1, 2])
            let grid = #expect(throws: PostgresDecodingError.self) { try row.decode([Int].self, "grid") }
            #expect(grid?.reason.contains("multi-dimensional") == true)
            let nullElement = #expect(throws: PostgresDecodingError.self) { try row.decode([Double].self, "floats") }
            #expect(nullElement?.column == "floats element 2")
            #expect(throws: PostgresDecodingError.self) { try row.decode([Int].self, "t") }
        }
    }

    struct Job: Decodable, Equatable {
        enum State: String, Decodable { case queued, running }
        var id: Int
        var jobName: String
        var state: State
        var startedAt: Date?
        var tags: [String]
        var meta: [String: Int]
        var note: String?
    }

    @Test func decodableRowsMapByColumnName() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let rows = try await pool.query(
                """
                SELECT 7 AS id, 'copy' AS job_name, 'running' AS state, NULL::timestamptz AS started_at,
                       ARRAY['a','b'] AS tags, '{"files": 3}'::jsonb AS meta
                """)
            let jobs = try rows.decode(Job.self, keyStrategy: .convertFromSnakeCase)
            #expect(jobs == [Job(id: 7, jobName: "copy", state: .running, startedAt: nil, tags: ["a", "b"], meta: ["files": 3], note: nil)])
        }
    }
}
