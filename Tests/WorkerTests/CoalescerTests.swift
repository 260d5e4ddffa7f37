import Synchronization
import Testing

@testable import Worker

/// The coalescer behind the worker's result publishing and acks.
@Suite struct CoalescerTests {
    final class Calls: Sendable {
        let batches = Mutex<[[Int]]>([])
    }

    @Test func concurrentItemsGoOutTogetherAndEachCallerReturnsAfterItsOwn() async throws {
        let calls = Calls()
        let coalescer = Coalescer<Int>(maxBatch: 50) { items in
            calls.batches.withLock { $0.append(items) }
            try await Task.sleep(for: .milliseconds(20))  // a round trip, during which more items gather
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for item in 0..<200 { group.addTask { try await coalescer.submit(item) } }
            try await group.waitForAll()
        }
        let batches = calls.batches.withLock { $0 }
        #expect(batches.flatMap { $0 }.sorted() == Array(0..<200), "every item sent exactly once")
        #expect(batches.count < 200, "items were not batched: \(batches.count) calls")
        #expect(batches.allSatisfy { $0.count <= 50 })
    }

    @Test func aFailedSendFailsItsBatchOnlyAndLaterItemsStillGo() async throws {
        struct Down: Error {}
        let calls = Calls()
        let coalescer = Coalescer<Int> { items in
            let first = calls.batches.withLock { batches in
                batches.append(items)
                return batches.count == 1
            }
            if first { throw Down() }
        }
        await #expect(throws: Down.self) { try await coalescer.submit(1) }
        try await coalescer.submit(2)
        #expect(calls.batches.withLock { $0 } == [[1], [2]])
    }
}
