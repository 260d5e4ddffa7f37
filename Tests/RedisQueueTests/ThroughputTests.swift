import Foundation
import RedisQueue
import Testing

@Suite("Throughput (printed, not asserted)")
struct ThroughputTests {
    @Test("enqueueMany 20,000 entries, then claim and ack them in batches", .timeLimit(.minutes(2)))
    func throughput() async throws {
        let total = 20_000
        let batch = 1_000
        let payload = Array(repeating: UInt8(ascii: "x"), count: 200)
        try await withTestQueue(options: ReliableQueue.Options(reclaimInterval: .seconds(1))) { queue in
            try await queue.ensureGroup()
            let enqueueStart = ContinuousClock.now
            for _ in 0..<(total / batch) {
                _ = try await queue.enqueueMany(Array(repeating: payload, count: batch))
            }
            let enqueueTime = enqueueStart.duration(to: .now)

            let claimStart = ContinuousClock.now
            var consumed = 0
            while consumed < total {
                let claimed = try await queue.claim(consumer: "bench", count: 500)
                if claimed.deliveries.isEmpty { break }
                try await queue.ack(claimed.deliveries.map(\.id))
                consumed += claimed.deliveries.count
            }
            let claimTime = claimStart.duration(to: .now)
            #expect(consumed == total)
            #expect(try await queue.length() == 0)

            func rate(_ duration: Duration) -> Int {
                let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
                return Int(Double(total) / max(seconds, 1e-9))
            }
            print(
                "RedisQueue throughput: enqueueMany \(total) x \(payload.count) B in batches of \(batch): "
                    + "\(rate(enqueueTime)) entries/s; claim(500)+ack: \(rate(claimTime)) entries/s; "
                    + "end to end \(rate(enqueueTime + claimTime)) entries/s"
            )
        }
    }
}
