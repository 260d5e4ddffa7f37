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
            let delivery = await slots.next()
            slots.ran(delivery?.id ?? "", for: duration)
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
        slots.ran("0-0", for: .seconds(1))
        slots.ran("1-0", for: .seconds(1))
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
        slots.ran("0-0", for: .seconds(1))
        #expect(await waiter.value == 1)
    }

    @Test func anIdlePoolOrALongRunningTaskEndsPrefetch() async throws {
        let slots = PoolSlots(capacity: 4)
        await settle(slots, tasks: 20, each: .microseconds(100))
        #expect(slots.inHandLimit == 16)
        // Nothing finished for longer than the window: the pace is not current.
        try await Task.sleep(for: PoolSlots.window + .milliseconds(50))
        #expect(slots.inHandLimit == 4)
        // Quick again, then one task runs longer than the window while the others finish quickly.
        await settle(slots, tasks: 20, each: .microseconds(100))
        slots.hold(deliveries(1, from: 500))
        let slow = await slots.next()
        for index in 0..<30 {
            slots.hold(deliveries(1, from: 600 + index))
            let quick = await slots.next()
            slots.ran(quick?.id ?? "", for: .microseconds(100))
            slots.reported(1)
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(slots.inHandLimit == 4)
        slots.ran(slow?.id ?? "", for: .milliseconds(150))
        slots.reported(1)
    }

    @Test func aPoolThatNeverEmptiesItsHandKeepsOrderAndForgetsWhatRan() async {
        let slots = PoolSlots(capacity: 2)
        slots.hold(deliveries(3))
        var next = 3
        var taken: [String] = []
        for _ in 0..<1_000 {
            // One more claimed for each one taken: the hand never empties.
            slots.hold(deliveries(1, from: next))
            next += 1
            guard let delivery = await slots.next() else { break }
            taken.append(delivery.id)
            slots.ran(delivery.id, for: .microseconds(10))
            slots.reported(1)
        }
        #expect(taken == (0..<1_000).map { "\($0)-0" })
        #expect(slots.heldCount == 3)
    }

    @Test func aSkippedTaskFreesItsPlaceWithoutAReport() async {
        let slots = PoolSlots(capacity: 1)
        slots.hold(deliveries(1))
        _ = await slots.next()
        #expect(slots.claimable == 0)
        slots.skipped("0-0")
        #expect(slots.claimable == 1)
        await slots.waitUntilIdle()
    }
}
