import Postgres
import Testing

@Suite("Advisory locks")
struct AdvisoryLockTests {
    @Test func onlyOneHolderAndReleasedOnClose() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let key = TestDatabase.randomLockKey()
            let first = pool.makeSession(name: "leader-a")
            let second = pool.makeSession(name: "leader-b")
            #expect(try await first.tryAdvisoryLock(key: key))
            #expect(try await !second.tryAdvisoryLock(key: key))
            #expect(try await first.holdsAdvisoryLock(key: key))
            #expect(try await !second.holdsAdvisoryLock(key: key))

            await first.close()
            // The server releases the lock when it notices the closed connection: poll, with a
            // deadline generous enough for a loaded machine.
            var acquired = false
            let deadline = ContinuousClock.now + .seconds(30)
            while !acquired, ContinuousClock.now < deadline {
                acquired = try await second.tryAdvisoryLock(key: key)
                if !acquired { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(acquired)
            #expect(try await second.holdsAdvisoryLock(key: key))
            #expect(try await second.advisoryUnlock(key: key))
            #expect(try await !second.holdsAdvisoryLock(key: key))
            await second.close()

            let error = await #expect(throws: PostgresError.self) { try await first.tryAdvisoryLock(key: key) }
            #expect(error?.code == .closed)
        }
    }

    @Test func negativeKeysWork() async throws {
        try await TestDatabase.withSchema(poolSize: 1) { pool, _ async throws in
            let key = -TestDatabase.randomLockKey()
            try await pool.withSession { session async throws in
                #expect(try await session.tryAdvisoryLock(key: key))
                #expect(try await session.holdsAdvisoryLock(key: key))
                #expect(try await session.advisoryUnlock(key: key))
            }
        }
    }
}
