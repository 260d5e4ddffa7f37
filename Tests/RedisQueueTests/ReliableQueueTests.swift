import Foundation
import RedisQueue
import Testing

@Suite("ReliableQueue")
struct ReliableQueueTests {
    @Test("keys follow the ngenea naming; results use group hub")
    func naming() throws {
        let connection = try TestRedis.connection()
        let queue = ReliableQueue(name: "london.default#worker", connection: connection)
        #expect(queue.streamKey == "ngenea:q:london.default#worker")
        #expect(queue.deadLetterKey == "ngenea:dead:london.default#worker")
        #expect(queue.options.group == "workers")
        #expect(queue.options.lease == .seconds(30))
        #expect(queue.options.maxDeliveries == 5)
        let results = ReliableQueue.results(connection: connection)
        #expect(results.streamKey == "ngenea:results")
        #expect(results.options.group == "hub")
    }

    @Test("enqueue → claim → ack, with a binary payload")
    func enqueueClaimAck() async throws {
        try await withTestQueue { queue in
            #expect(try await queue.ensureGroup())
            #expect(try await !queue.ensureGroup())
            let payload: [UInt8] = [0, 0xFF, 0xC3, 0x28] + bytes("{\"task\":1}") + [0]
            let id = try await queue.enqueue(payload)
            #expect(try await queue.length() == 1)

            let claimed = try await queue.claim(consumer: "worker-a", count: 10)
            #expect(claimed.deliveries == [Delivery(id: id, payload: payload, deliveryCount: 1)])
            #expect(claimed.deadLetters.isEmpty)
            #expect(try await queue.pendingCount() == 1)
            #expect(try await queue.claim(consumer: "worker-b", count: 10).isEmpty)

            #expect(try await queue.ack([id]) == 1)
            #expect(try await queue.ack([id]) == 0)
            #expect(try await queue.pendingCount() == 0)
            #expect(try await queue.length() == 0)
        }
    }

    @Test("entries enqueued before the group exists are delivered")
    func enqueueBeforeGroup() async throws {
        try await withTestQueue { queue in
            let first = try await queue.enqueue(bytes("early"))
            let ids = try await queue.enqueueMany([bytes("a"), bytes("b")])
            let claimed = try await queue.claim(consumer: "w", count: 10)
            #expect(claimed.deliveries.map(\.id) == [first] + ids)
            #expect(claimed.deliveries.map(\.payload) == [bytes("early"), bytes("a"), bytes("b")])
        }
    }

    @Test("enqueueMany adds all entries in order in one call")
    func enqueueMany() async throws {
        try await withTestQueue { queue in
            let payloads = (0..<250).map { bytes("task-\($0)") }
            let ids = try await queue.enqueueMany(payloads)
            #expect(ids.count == 250)
            #expect(Set(ids).count == 250)
            #expect(try await queue.length() == 250)
            var seen: [[UInt8]] = []
            while true {
                let batch = try await queue.claim(consumer: "w", count: 100)
                if batch.isEmpty { break }
                seen += batch.deliveries.map(\.payload)
                #expect(try await queue.ack(batch.deliveries.map(\.id)) == batch.deliveries.count)
            }
            #expect(seen == payloads)
            #expect(try await queue.length() == 0)
        }
    }

    @Test("a blocked claim returns as soon as an entry arrives")
    func claimBlocksUntilEntry() async throws {
        try await withTestQueue { queue in
            try await queue.ensureGroup()
            let consumer = queue.using(try TestRedis.connection("consumer"))
            let started = ContinuousClock.now
            let claim = Task { try await consumer.claim(consumer: "blocked", count: 1, block: .seconds(10)) }
            try await Task.sleep(for: .milliseconds(400))
            let id = try await queue.enqueue(bytes("wake up"))
            let result = try await withTimeout(.seconds(5), "blocked claim") { try await claim.value }
            let elapsed = started.duration(to: .now)
            #expect(result.deliveries.map(\.id) == [id])
            #expect(result.deliveries.first?.payload == bytes("wake up"))
            #expect(elapsed >= .milliseconds(350), "claim returned after \(elapsed), before the entry existed")
            #expect(elapsed < .seconds(3), "claim returned after \(elapsed)")
        }
    }

    @Test("claims blocked for 2 s do not stall other async work")
    func blockedClaimsDoNotStall() async throws {
        try await withTestQueue { queue in
            try await queue.ensureGroup()
            let consumers = try (0..<4).map { queue.using(try TestRedis.connection("consumer-\($0)")) }
            let blocked = Task {
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    for (index, consumer) in consumers.enumerated() {
                        group.addTask {
                            try await consumer.claim(consumer: "c\(index)", count: 1, block: .seconds(2)).isEmpty
                        }
                    }
                    var allEmpty = true
                    for try await empty in group { allEmpty = allEmpty && empty }
                    return allEmpty
                }
            }
            let pinger = try TestRedis.connection("pinger")
            let started = ContinuousClock.now
            try await Task.sleep(for: .milliseconds(100))
            for _ in 0..<200 { try await pinger.ping() }
            let pingsDone = started.duration(to: .now)
            #expect(try await blocked.value)
            #expect(pingsDone < .milliseconds(1800), "200 pings took \(pingsDone) while claims were blocked")
            #expect(started.duration(to: .now) >= .milliseconds(1900))
        }
    }

    @Test("an unacked entry is reclaimed by another consumer after the lease, not before")
    func reclaimAfterLease() async throws {
        let options = ReliableQueue.Options(lease: .milliseconds(800), reclaimInterval: .zero)
        try await withTestQueue(options: options) { queue in
            let other = queue.using(try TestRedis.connection("other"))
            let id = try await queue.enqueue(bytes("job"))
            let first = try await queue.claim(consumer: "dies", count: 1)
            let claimedAt = ContinuousClock.now
            #expect(first.deliveries.map(\.deliveryCount) == [1])

            #expect(try await other.claim(consumer: "alive", count: 1).isEmpty)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await other.claim(consumer: "alive", count: 1).isEmpty)
            if claimedAt.duration(to: .now) >= .milliseconds(800) {
                Issue.record("the machine is too slow for this timing check; the second probe ran after the lease")
            }

            try await Task.sleep(until: claimedAt + .milliseconds(900))
            let second = try await other.claim(consumer: "alive", count: 1)
            #expect(second.deliveries == [Delivery(id: id, payload: bytes("job"), deliveryCount: 2)])

            // The first consumer has lost it: it cannot extend the lease or take it back.
            let extension_ = try await queue.extendLease(ids: [id], consumer: "dies")
            #expect(extension_.lost == [id])
            #expect(try await queue.claim(consumer: "dies", count: 1).isEmpty)
            #expect(try await other.ack([id]) == 1)
            #expect(try await queue.length() == 0)
        }
    }

    @Test("extending the lease keeps the entry with its live consumer")
    func extendLeaseKeepsEntry() async throws {
        let options = ReliableQueue.Options(lease: .milliseconds(600), reclaimInterval: .zero)
        try await withTestQueue(options: options) { queue in
            let keeperQueue = queue.using(try TestRedis.connection("keeper"))
            let thief = queue.using(try TestRedis.connection("thief"))
            let id = try await queue.enqueue(bytes("long task"))
            #expect(try await queue.claim(consumer: "slow", count: 1).deliveries.map(\.id) == [id])

            try await keeperQueue.withLeaseKept(ids: [id], consumer: "slow", interval: .milliseconds(150)) { keeper in
                let until = ContinuousClock.now + .milliseconds(1800)
                while ContinuousClock.now < until {
                    #expect(try await thief.claim(consumer: "thief", count: 1).isEmpty)
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(keeper.lostIDs.isEmpty)
                #expect(keeper.trackedIDs == [id])
            }
            // Extension does not count as a delivery.
            let renewed = try await queue.extendLease(ids: [id], consumer: "slow")
            #expect(renewed.kept == [id])
            try await Task.sleep(for: .milliseconds(750))
            let taken = try await thief.claim(consumer: "thief", count: 1)
            #expect(taken.deliveries.map(\.deliveryCount) == [2])
        }
    }

    @Test("an entry abandoned maxDeliveries times is dead-lettered with its reason")
    func deadLetter() async throws {
        let options = ReliableQueue.Options(lease: .milliseconds(250), maxDeliveries: 3, reclaimInterval: .zero)
        try await withTestQueue(options: options) { queue in
            let payload: [UInt8] = bytes("poison") + [0, 0xFF]
            let id = try await queue.enqueue(payload)
            for (round, consumer) in ["a", "b", "a"].enumerated() {
                let result = try await queue.claim(consumer: consumer, count: 1)
                #expect(result.deliveries == [Delivery(id: id, payload: payload, deliveryCount: round + 1)])
                try await Task.sleep(for: .milliseconds(300))
            }
            let final = try await queue.claim(consumer: "b", count: 1)
            #expect(final.deliveries.isEmpty)
            try #require(final.deadLetters.count == 1)
            let dead = final.deadLetters[0]
            #expect(dead.id == id)
            #expect(dead.payload == payload)
            #expect(dead.deliveryCount == 3)
            #expect(dead.lastConsumer == "a")
            #expect(dead.reason.contains("delivered 3 times"))

            #expect(try await queue.length() == 0)
            #expect(try await queue.pendingCount() == 0)
            #expect(try await queue.ack([id]) == 0)
            let stored = try await queue.deadLetters()
            #expect(stored == [dead])
            #expect(try await queue.removeDeadLetters(stored.map(\.deadLetterID)) == 1)
            #expect(try await queue.deadLetters().isEmpty)
        }
    }

    @Test("two reclaimers racing: each expired entry goes to exactly one of them")
    func racingReclaimers() async throws {
        // The lease is long enough that the racers finish before their own claims expire.
        let options = ReliableQueue.Options(lease: .milliseconds(1500), reclaimInterval: .zero)
        try await withTestQueue(options: options) { queue in
            let ids = try await queue.enqueueMany((0..<60).map { bytes("e\($0)") })
            var firstRound = 0
            while firstRound < 60 { firstRound += try await queue.claim(consumer: "dead", count: 60).deliveries.count }
            try await Task.sleep(for: .milliseconds(1600))
            let racers = try (0..<3).map { queue.using(try TestRedis.connection("racer-\($0)")) }
            let results = try await withThrowingTaskGroup(of: [Delivery].self) { group in
                for (index, racer) in racers.enumerated() {
                    group.addTask {
                        var got: [Delivery] = []
                        for _ in 0..<10 { got += try await racer.claim(consumer: "r\(index)", count: 7).deliveries }
                        return got
                    }
                }
                var all: [Delivery] = []
                for try await got in group { all += got }
                return all
            }
            #expect(results.count == 60)
            #expect(Set(results.map(\.id)) == Set(ids))
            #expect(results.allSatisfy { $0.deliveryCount == 2 })
        }
    }

    @Test("delete by tag removes only that tag's entries that were never delivered, across chunks")
    func deleteUndeliveredByTag() async throws {
        try await withTestQueue { queue in
            func entry(_ job: String, _ task: String) -> QueueEntry {
                QueueEntry(payload: bytes(task), tags: [("job", job), ("task", task)])
            }
            // Nothing was ever delivered: no group yet, every entry is undelivered.
            _ = try await queue.enqueueMany(entries: [entry("1", "early")])
            #expect(try await queue.deleteUndelivered(tagged: "job", as: "1", returning: "task") == ["early"])
            let ids = try await queue.enqueueMany(entries: [
                entry("1", "a"), entry("2", "b"), entry("1", "c"), entry("1", "d"), entry("2", "e"), entry("1", "f"), entry("1", "g"),
            ])
            _ = try await queue.enqueueMany([bytes("untagged")])
            let delivered = try await queue.claim(consumer: "w", count: 2)
            #expect(delivered.deliveries.map(\.id) == Array(ids.prefix(2)))

            // Two entries per script call: the cursor carries the scan to the end.
            let removed = try await queue.deleteUndelivered(tagged: "job", as: "1", returning: "task", chunk: 2)
            #expect(removed == ["c", "d", "f", "g"])
            #expect(try await queue.length() == 4, "a and b (delivered), e (other job) and the untagged entry stay")
            #expect(try await queue.pendingCount() == 2)
            #expect(try await queue.deleteUndelivered(tagged: "job", as: "1", returning: "task").isEmpty)
            let rest = try await queue.claim(consumer: "w2", count: 10).deliveries
            #expect(rest.map(\.payload) == [bytes("e"), bytes("untagged")], "consumers see payloads only")
            #expect(try await queue.deleteUndelivered(tagged: "job", as: "2", returning: "task").isEmpty, "e was delivered")
        }
    }

    @Test("NOGROUP: the stream deleted under consumers is recreated and work goes on")
    func noGroupRecovery() async throws {
        try await withTestQueue { queue in
            let admin = try TestRedis.connection("admin")
            let first = try await queue.enqueue(bytes("one"))
            #expect(try await queue.claim(consumer: "w", count: 1).deliveries.map(\.id) == [first])
            #expect(try await queue.ack([first]) == 1)

            // Stream and group gone (as after a Redis restart without data); a producer adds an
            // entry, which creates the stream without the group.
            _ = try await admin.command(["DEL", queue.streamKey])
            let second = try await queue.enqueue(bytes("two"))
            let afterLoss = try await queue.claim(consumer: "w", count: 1)
            #expect(afterLoss.deliveries.map(\.id) == [second])
            #expect(try await queue.ack([second]) == 1)

            // Deleted while a consumer is blocked in claim: it recovers and gets the next entry.
            let consumer = queue.using(try TestRedis.connection("blocked"))
            let waiting = Task {
                let deadline = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < deadline {
                    let result = try await consumer.claim(consumer: "w2", count: 1, block: .milliseconds(500))
                    if let delivery = result.deliveries.first { return delivery }
                }
                throw TimedOut(what: "the blocked consumer never got the entry")
            }
            try await Task.sleep(for: .milliseconds(200))
            _ = try await admin.command(["DEL", queue.streamKey])
            try await Task.sleep(for: .milliseconds(200))
            let third = try await queue.enqueue(bytes("three"))
            let delivery = try await waiting.value
            #expect(delivery.id == third)
            #expect(delivery.payload == bytes("three"))

            // Other operations recover too.
            _ = try await admin.command(["DEL", queue.streamKey])
            #expect(try await queue.pendingCount() == 0)
            _ = try await admin.command(["DEL", queue.streamKey])
            #expect(try await queue.deleteUndelivered(tagged: "job", as: "1", returning: "task").isEmpty)
            _ = try await admin.command(["DEL", queue.streamKey])
            #expect(try await queue.extendLease(ids: ["1-1"], consumer: "w").lost == ["1-1"])
        }
    }

    @Test("the results stream works with the same API")
    func resultsStream() async throws {
        let prefix = TestRedis.uniquePrefix()
        let connection = try TestRedis.connection()
        let results = ReliableQueue(
            streamKey: prefix + "results", deadLetterKey: prefix + "dead:results", connection: connection,
            options: ReliableQueue.Options(group: "hub"), logger: TestRedis.logger
        )
        try await withKeysDeleted([results.streamKey, results.deadLetterKey]) {
            let id = try await results.enqueue(bytes("{\"attempt\":1}"))
            let got = try await results.claim(consumer: "hub-1", count: 10)
            #expect(got.deliveries.map(\.id) == [id])
            let groups = try await connection.command(["XINFO", "GROUPS", results.streamKey])
            #expect(groups.array?.first?.array?[1] == .bulk(bytes("hub")))
            #expect(try await results.ack([id]) == 1)
        }
    }

    @Test("results go to another stream and their entries are acked in one transaction")
    func enqueueElsewhereAndAck() async throws {
        try await withTestQueue { queue in
            let results = ReliableQueue(
                streamKey: queue.streamKey + ":results", deadLetterKey: queue.deadLetterKey + ":results",
                connection: try TestRedis.connection("results"), options: ReliableQueue.Options(group: "hub"),
                logger: TestRedis.logger)
            try await withKeysDeleted([results.streamKey, results.deadLetterKey]) {
                let ids = try await queue.enqueueMany([bytes("a"), bytes("b"), bytes("c")])
                let claimed = try await queue.claim(consumer: "worker-a", count: 10)
                #expect(claimed.deliveries.map(\.id) == ids)
                // Two of the three finished: their results are published and only their entries let go.
                try await queue.enqueue([bytes("result a"), bytes("result b")], to: results, acking: Array(ids.prefix(2)))
                #expect(try await queue.pendingCount() == 1)
                #expect(try await queue.length() == 1)
                let published = try await results.claim(consumer: "hub-1", count: 10)
                #expect(published.deliveries.map(\.payload) == [bytes("result a"), bytes("result b")])
                // Sent again (a reply lost with the connection): the acks change nothing more.
                try await queue.enqueue([bytes("result a")], to: results, acking: [ids[0]])
                #expect(try await queue.pendingCount() == 1)
                #expect(try await results.length() == 3)
                // Nothing to publish, one entry to let go.
                try await queue.enqueue([], to: results, acking: [ids[2]])
                #expect(try await queue.pendingCount() == 0)
                #expect(try await queue.length() == 0)
            }
        }
    }

    @Test("invalid arguments are rejected before anything is sent")
    func invalidArguments() async throws {
        try await withTestQueue(options: ReliableQueue.Options(lease: .zero)) { queue in
            await #expect {
                _ = try await queue.claim(consumer: "w", count: 1)
            } throws: { ($0 as? RedisError)?.code == .invalidArgument }
            await #expect {
                _ = try await queue.using(queue.connection).claim(consumer: "w", count: 0)
            } throws: { ($0 as? RedisError)?.code == .invalidArgument }
        }
    }
}
