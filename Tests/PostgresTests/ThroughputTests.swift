import Foundation
import Postgres
import Testing

/// Prints throughput figures; asserts only correctness (timings depend on the machine).
@Suite("Throughput (printed, not asserted)", .serialized)
struct ThroughputTests {
    static func rate(_ count: Int, _ elapsed: Duration) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return String(format: "%.0f", Double(count) / max(seconds, 1e-9))
    }

    @Test func bulkInsertsAndSingleRowSelects() async throws {
        try await TestDatabase.withSchema(poolSize: 4) { pool, schema async throws in
            try await pool.execute("CREATE TABLE bench (id bigint PRIMARY KEY, name text NOT NULL, size bigint NOT NULL)")
            let clock = ContinuousClock()

            // 100,000 rows through one unnest array insert.
            let count = 100_000
            let ids = Array(1...count)
            let names = ids.map { "file-\($0).dat" }
            let sizes = ids.map { Int64($0) * 7 }
            var inserted = 0
            let unnestTime = try await clock.measure {
                inserted = try await pool.execute(
                    "INSERT INTO bench (id, name, size) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[])",
                    [.array(ids), .array(names), .array(sizes)])
            }
            #expect(inserted == count)
            print("unnest insert: \(count) rows in \(unnestTime) = \(Self.rate(count, unnestTime)) rows/s")

            // 10,000 single-row parameterised selects, sequentially from one task.
            let selects = 10_000
            var sum = 0
            let selectTime = try await clock.measure {
                for index in 1...selects {
                    sum += try await pool.query("SELECT size FROM bench WHERE id = $1", [.int(index)])[0].decode(Int.self, "size")
                }
            }
            #expect(sum == (1...selects).reduce(0) { $0 + $1 * 7 })
            print("single-row selects, 1 task: \(selects) in \(selectTime) = \(Self.rate(selects, selectTime)) queries/s")

            // The same, from 4 concurrent tasks over the pool of 4.
            let concurrentTime = try await clock.measure {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for worker in 0..<4 {
                        group.addTask {
                            var total = 0
                            for index in stride(from: worker + 1, through: selects, by: 4) {
                                total += try await pool.query("SELECT size FROM bench WHERE id = $1", [.int(index)])[0]
                                    .decode(Int.self, "size")
                            }
                            return total
                        }
                    }
                    var total = 0
                    for try await part in group { total += part }
                    #expect(total == sum)
                }
            }
            print("single-row selects, 4 tasks: \(selects) in \(concurrentTime) = \(Self.rate(selects, concurrentTime)) queries/s")

            // 10,000 single-row updates, pipelined in one transaction.
            let updates: [[PostgresBind?]] = (1...10_000).map { [.int($0 * 3), .int($0)] }
            var changed = 0
            let pipelineTime = try await clock.measure {
                changed = try await pool.executeMany("UPDATE bench SET size = $1 WHERE id = $2", updates)
            }
            #expect(changed == 10_000)
            print("executeMany updates: 10000 in \(pipelineTime) = \(Self.rate(10_000, pipelineTime)) rows/s")

            // 100,000 rows through COPY.
            try await pool.execute("CREATE TABLE bench_copy (id bigint, name text, size bigint)")
            let rows: [[PostgresBind?]] = ids.map { [.int($0), .string(names[$0 - 1]), .int64(sizes[$0 - 1])] }
            var copied = 0
            let copyTime = try await clock.measure {
                copied = try await pool.copyIn(
                    into: PostgresIdentifier(schema: schema, name: "bench_copy"), columns: ["id", "name", "size"], rows: rows)
            }
            #expect(copied == count)
            print("copyIn: \(count) rows in \(copyTime) = \(Self.rate(count, copyTime)) rows/s")

            // Reading 100,000 rows back and decoding them.
            var decoded = 0
            let readTime = try await clock.measure {
                let all = try await pool.query("SELECT id, name, size FROM bench")
                for row in all {
                    _ = try row.decode(Int.self, "id")
                    _ = try row.decode(String.self, "name")
                    decoded += 1
                }
            }
            #expect(decoded == count)
            print("select + decode: \(count) rows in \(readTime) = \(Self.rate(count, readTime)) rows/s")
        }
    }
}
