import RedisQueue
import Synchronization
import Testing

@testable import Worker

/// A pool's concurrency bounds, its tasks in hand and its adaptive prefetch.
@Suite struct PoolSlotsTests {
    private func deliveries(_ count: Int, from first: Int = 0) -> [Delivery] {
        (first..<first + count).map { Delivery(id: "\($0)-0", payload: [], deliveryCount: 1) }
    }

    /// Runs `count` tasks of `duration` through the slots, one at a time.
    private func settle(_ slots: PoolSlots, tasks count: Int, each duration: Duration) async {
        for index in 0..<count {
            slots.hold(deliveries(1, from: index))
            _ = await slots.next()
            slots.ran(for: duration)
            slots.reported(1)
        }
    }

    @Test func aNewPoolClaimsNoMoreThanItsThreads() async {
        let slots = PoolSlots(capacity: 8)
        #expect(slots.claimable == 8)
        slots.hold(deliveries(8))
        #expect(slots.claimable == 0)
    }

    @Test func quickTasksAreClaimedAheadUpToFourTimesTheThreads() async {
        let slots = PoolSlots(capacity: 8)
        await settle(slots, tasks: 20, each: .microseconds(200))
        #expect(slots.inHandLimit == 32)
        #expect(slots.claimable == 32)
    }

    @Test func slowTasksAreNotClaimedAhead() async {
        let slots = PoolSlots(capacity: 8)
        await settle(slots, tasks: 20, each: .seconds(2))
        #expect(slots.inHandLimit == 8)
    }

    @Test func prefetchFollowsThePace() async {
        let slots = PoolSlots(capacity: 10)
        // 40 ms tasks: 100 ms of work for 10 threads is 25 tasks in hand.
        await settle(slots, tasks: 60, each: .milliseconds(40))
        #expect(slots.inHandLimit == 25)
        // The pool turns slow: within a few tasks it stops prefetching.
        await settle(slots, tasks: 3, each: .seconds(1))
        #expect(slots.inHandLimit == 10)
    }

    @Test func tasksInHandGoToRunnersInClaimOrder() async {
        let slots = PoolSlots(capacity: 2)
        slots.hold(deliveries(3))
        #expect(await slots.next()?.id == "0-0")
        #expect(await slots.next()?.id == "1-0")
        #expect(await slots.next()?.id == "2-0")
        // In hand: three running, none held.
        #expect(slots.claimable == 0)
    }

    @Test func aWaitingRunnerGetsTheNextClaimAndCloseEndsTheRunners() async throws {
        let slots = PoolSlots(capacity: 2)
        let got = Mutex<[String?]>([])
        let runner = Task {
            while true {
                let delivery = await slots.next()
                got.withLock { $0.append(delivery?.id) }
                if delivery == nil { return }
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        let early = got.withLock { $0 }
        #expect(early.isEmpty)
        slots.hold(deliveries(2, from: 7))
        try await Task.sleep(for: .milliseconds(50))
        slots.close()
        await runner.value
        let ids = got.withLock { $0 }
        #expect(ids == ["7-0", "8-0", nil])
    }

    @Test func closeLetsTheRunnersFinishWhatIsInHand() async {
        let slots = PoolSlots(capacity: 1)
        slots.hold(deliveries(2))
        slots.close()
        #expect(await slots.next()?.id == "0-0")
        #expect(await slots.next()?.id == "1-0")
        #expect(await slots.next() == nil)
    }

    @Test func resultsWaitingToBeReportedStopClaims() async {
        let slots = PoolSlots(capacity: 2, reportCapacity: 3)
        slots.hold(deliveries(2))
        _ = await slots.next()
        _ = await slots.next()
        slots.ran(for: .seconds(1))
        slots.ran(for: .seconds(1))
        // Two results unreported and capacity 3: one more may be claimed, not two.
        #expect(slots.claimable == 1)
        slots.reported(2)
        #expect(slots.claimable == 2)
    }

    @Test func aClaimWaiterWakesWhenATaskRuns() async throws {
        let slots = PoolSlots(capacity: 1)
        slots.hold(deliveries(1))
        _ = await slots.next()
        let waiter = Task { await slots.waitForClaimable() }
        try await Task.sleep(for: .milliseconds(20))
        slots.ran(for: .seconds(1))
        #expect(await waiter.value == 1)
    }
}
