import Foundation
import RedisQueue
import Testing

/// Records who holds which entry, to catch any entry handed to two live consumers.
private actor DeliveryLedger {
    private(set) var deliveries: [String: Int] = [:]
    private(set) var deliveryCounts: [String: [Int]] = [:]
    private(set) var overlaps: [String] = []
    private(set) var finished = 0
    private var holder: [String: String] = [:]

    func begin(_ delivery: Delivery, consumer: String) {
        deliveries[delivery.id, default: 0] += 1
        deliveryCounts[delivery.id, default: []].append(delivery.deliveryCount)
        if let current = holder[delivery.id] {
            overlaps.append("\(delivery.id) held by \(current) and \(consumer)")
        }
        holder[delivery.id] = consumer
    }

    func end(_ id: String) {
        holder[id] = nil
        finished += 1
    }
}

@Suite("Exactly one live consumer per entry")
struct ExactlyOnceDeliveryTests {
    @Test("4 consumers, 1,000 entries, short leases kept alive: each entry delivered exactly once", .timeLimit(.minutes(2)))
    func concurrentConsumers() async throws {
        let total = 1000
        let slowEvery = 125
        let options = ReliableQueue.Options(lease: .milliseconds(1500), reclaimInterval: .zero)
        try await withTestQueue(options: options) { queue in
            let ids = try await queue.enqueueMany((0..<total).map { bytes("\($0)") })
            let ledger = DeliveryLedger()
            let deadline = ContinuousClock.now + .seconds(90)

            let deadLettered = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<4 {
                    let consumerName = "worker-\(index)"
                    let claims = queue.using(try TestRedis.connection("claim-\(index)"))
                    let keeper = LeaseKeeper(
                        queue: queue.using(try TestRedis.connection("lease-\(index)")),
                        consumer: consumerName,
                        interval: .milliseconds(250)
                    )
                    group.addTask {
                        try await withThrowingTaskGroup(of: Void.self) { inner in
                            inner.addTask { await keeper.run() }
                            defer { inner.cancelAll() }
                            var deadLetters = 0
                            while await ledger.finished < total, ContinuousClock.now < deadline {
                                let batch = try await claims.claim(consumer: consumerName, count: 5, block: .milliseconds(100))
                                deadLetters += batch.deadLetters.count
                                keeper.track(batch.deliveries.map(\.id))
                                for delivery in batch.deliveries {
                                    await ledger.begin(delivery, consumer: consumerName)
                                    let number = Int(String(decoding: delivery.payload, as: UTF8.self)) ?? 0
                                    if number % slowEvery == 0 {
                                        // Longer than two leases: only the lease keeper keeps it ours.
                                        try await Task.sleep(for: .milliseconds(3500))
                                    }
                                    #expect(!keeper.isLost(delivery.id), "lost the lease of \(delivery.id)")
                                    #expect(try await claims.ack([delivery.id]) == 1)
                                    keeper.untrack([delivery.id])
                                    await ledger.end(delivery.id)
                                }
                            }
                            return deadLetters
                        }
                    }
                }
                var sum = 0
                for try await count in group { sum += count }
                return sum
            }

            let deliveries = await ledger.deliveries
            let overlaps = await ledger.overlaps
            let counts = await ledger.deliveryCounts
            #expect(deadLettered == 0)
            #expect(overlaps.isEmpty, "entries held by two consumers at once: \(overlaps.prefix(5))")
            #expect(Set(deliveries.keys) == Set(ids), "missing: \(Set(ids).subtracting(deliveries.keys).count)")
            let doubled = deliveries.filter { $0.value != 1 }
            #expect(doubled.isEmpty, "delivered more than once: \(doubled.prefix(5))")
            #expect(counts.values.allSatisfy { $0 == [1] })
            #expect(try await queue.length() == 0)
            #expect(try await queue.pendingCount() == 0)
        }
    }
}
