import Synchronization
import Testing

@testable import Worker

/// A pool's concurrency bounds and its adaptive prefetch.
@Suite struct PoolSlotsTests {
    /// Runs `count` tasks of `duration` through the slots, one at a time.
    private func settle(_ slots: PoolSlots, tasks count: Int, each duration: Duration) async {
        for _ in 0..<count {
            await slots.hold(1)
            await slots.start()
            await slots.ran(for: duration)
            await slots.reported(1)
        }
    }

    @Test func aNewPoolClaimsNoMoreThanItsThreads() async {
        let slots = PoolSlots(capacity: 8)
        #expect(await slots.claimable == 8)
        await slots.hold(8)
        #expect(await slots.claimable == 0)
    }

    @Test func quickTasksAreClaimedAheadUpToFourTimesTheThreads() async {
        let slots = PoolSlots(capacity: 8)
        await settle(slots, tasks: 20, each: .microseconds(200))
        #expect(await slots.inHandLimit == 32)
        #expect(await slots.claimable == 32)
    }

    @Test func slowTasksAreNotClaimedAhead() async {
        let slots = PoolSlots(capacity: 8)
        await settle(slots, tasks: 20, each: .seconds(2))
        #expect(await slots.inHandLimit == 8)
    }

    @Test func prefetchFollowsThePace() async {
        let slots = PoolSlots(capacity: 10)
        // 40 ms tasks: 100 ms of work for 10 threads is 25 tasks in hand.
        await settle(slots, tasks: 60, each: .milliseconds(40))
        #expect(await slots.inHandLimit == 25)
        // The pool turns slow: within a few tasks it stops prefetching.
        await settle(slots, tasks: 30, each: .seconds(1))
        #expect(await slots.inHandLimit == 10)
    }

    @Test func noMoreThanCapacityRunWhileTheRestWaitInHand() async throws {
        let slots = PoolSlots(capacity: 2)
        await settle(slots, tasks: 10, each: .microseconds(50))
        await slots.hold(5)
        await slots.start()
        await slots.start()
        // The third waits until one of the two running ends.
        let started = Atomic<Bool>(false)
        let third = Task {
            await slots.start()
            started.store(true, ordering: .sequentiallyConsistent)
        }
        try await Task.sleep(for: .milliseconds(50))
        let early = started.load(ordering: .sequentiallyConsistent)
        #expect(!early)
        await slots.ran(for: .microseconds(50))
        await third.value
        let late = started.load(ordering: .sequentiallyConsistent)
        #expect(late)
        // In hand: two running, two held, of eight; one result waits to be reported (well under 16).
        #expect(await slots.claimable == 4)
    }

    @Test func resultsWaitingToBeReportedStopClaims() async {
        let slots = PoolSlots(capacity: 2, reportCapacity: 3)
        await slots.hold(2)
        await slots.start()
        await slots.start()
        await slots.ran(for: .seconds(1))
        await slots.ran(for: .seconds(1))
        // Two results unreported and capacity 3: one more may be claimed, not two.
        #expect(await slots.claimable == 1)
        await slots.reported(2)
        #expect(await slots.claimable == 2)
    }
}
