import Foundation
import RedisQueue
import Testing

@Suite("RedisConnection")
struct RedisConnectionTests {
    @Test("decodes each reply type from a live server")
    func liveReplies() async throws {
        let connection = try TestRedis.connection()
        let key = TestRedis.uniquePrefix() + "values"
        let list = key + ":list"
        try await withKeysDeleted([key, list]) {
            try await checkLiveReplies(connection, key: key, list: list)
        }
    }

    private func checkLiveReplies(_ connection: RedisConnection, key: String, list: String) async throws {

        #expect(try await connection.command(["SET", key, "41"]) == .status("OK"))
        #expect(try await connection.command(["INCR", key]) == .integer(42))
        #expect(try await connection.command(["GET", key]) == .bulk(Array("42".utf8)))
        #expect(try await connection.command(["GET", key + ":missing"]) == .null)
        _ = try await connection.command(["RPUSH", list, "a", "", "c"])
        #expect(try await connection.command(["LRANGE", list, "0", "-1"]) == .array([.bulk([97]), .bulk([]), .bulk([99])]))

        let replies = try await connection.pipeline([
            [bytes("PING")], [bytes("NOSUCHCOMMAND"), bytes("x")], [bytes("GET"), bytes(key)],
        ])
        #expect(replies.count == 3)
        #expect(replies[0] == .status("PONG"))
        guard case .error(let message) = replies[1] else {
            Issue.record("expected an error reply, got \(replies[1])")
            return
        }
        #expect(message.hasPrefix("ERR unknown command"))
        #expect(replies[2] == .bulk(Array("42".utf8)))

        await #expect {
            _ = try await connection.command(["NOSUCHCOMMAND"])
        } throws: { error in
            guard let error = error as? RedisError else { return false }
            return error.code == .serverError && error.serverErrorCode == "ERR"
        }
        // A server error does not break the connection.
        try await connection.ping()
    }

    @Test("arguments and replies are binary-safe: NUL bytes and invalid UTF-8 round-trip")
    func binarySafe() async throws {
        let connection = try TestRedis.connection()
        let key = Array(TestRedis.uniquePrefix().utf8) + [0, 0xFF, 0x00, 0xFE]
        let value = Array(0...255).map(UInt8.init) + [0, 0xC3, 0x28, 0xED, 0xA0, 0x80]
        try await withKeysDeleted([key]) {
            #expect(try await connection.command(bytes: [bytes("SET"), key, value]) == .status("OK"))
            let reply = try await connection.command(bytes: [bytes("GET"), key])
            #expect(reply == .bulk(value))
            #expect(reply.string == nil)
        }
    }

    @Test("a 2 s BLOCK on one connection does not stall other async work")
    func blockingDoesNotStallRuntime() async throws {
        let blockers = try (0..<4).map { try TestRedis.connection("blocker-\($0)") }
        let pinger = try TestRedis.connection("pinger")
        try await pinger.ping()
        let prefix = TestRedis.uniquePrefix()
        let started = ContinuousClock.now

        // More blocked connections than the machine has cores: if blocking used the cooperative
        // pool, the pings below could not run.
        let blocked = Task {
            try await withThrowingTaskGroup(of: Duration.self) { group in
                for (index, connection) in blockers.enumerated() {
                    group.addTask {
                        let begin = ContinuousClock.now
                        _ = try await connection.blockingCommand(
                            [bytes("BLPOP"), bytes("\(prefix)nothing-\(index)"), bytes("2")],
                            blockingFor: .seconds(2)
                        )
                        return begin.duration(to: .now)
                    }
                }
                var durations: [Duration] = []
                for try await duration in group { durations.append(duration) }
                return durations
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        var pings = 0
        while pings < 200 {
            try await pinger.ping()
            pings += 1
        }
        let pingsDone = started.duration(to: .now)
        let durations = try await blocked.value
        #expect(pings == 200)
        #expect(pingsDone < .milliseconds(1800), "pings took \(pingsDone) while the others were blocked")
        for duration in durations {
            #expect(duration >= .milliseconds(1900), "BLPOP returned after \(duration)")
        }
    }

    @Test("cancelling a task blocked in a blocking command returns at once; the connection recovers")
    func cancelBlocked() async throws {
        let connection = try TestRedis.connection()
        let key = TestRedis.uniquePrefix() + "nothing"
        let task = Task {
            try await connection.blockingCommand([bytes("BLPOP"), bytes(key), bytes("30")], blockingFor: .seconds(30))
        }
        try await Task.sleep(for: .milliseconds(300))
        let cancelledAt = ContinuousClock.now
        task.cancel()
        let result = await task.result
        #expect(cancelledAt.duration(to: .now) < .seconds(2))
        #expect(throws: CancellationError.self) { try result.get() }
        try await connection.ping()
    }

    @Test("connection failures name the endpoint and back off between attempts")
    func connectionRefusedAndBackoff() async throws {
        let port = try freeLocalPort()
        let configuration = RedisConfiguration(
            host: "127.0.0.1", port: port, connectTimeout: .seconds(1),
            minimumReconnectDelay: .milliseconds(400), maximumReconnectDelay: .seconds(1)
        )
        let connection = RedisConnection(configuration: configuration, logger: TestRedis.logger)
        // Measured from before the first attempt: the second cannot start before the first failure plus
        // its delay, however late this task is scheduled (a bound that holds on a loaded machine).
        let first = ContinuousClock.now
        await #expect {
            try await connection.ping()
        } throws: { error in
            guard let error = error as? RedisError else { return false }
            return error.code == .connectionFailed && error.message.contains("127.0.0.1:\(port)")
        }
        await #expect(throws: RedisError.self) { try await connection.ping() }
        // The second attempt waited the jittered delay (between half and all of 400 ms).
        #expect(first.duration(to: .now) >= .milliseconds(190))
    }

    @Test("a wrong password fails as connectionFailed without revealing it")
    func wrongPassword() async throws {
        var configuration = try TestRedis.configuration()
        configuration.password = "n0t-the-Password"
        let connection = RedisConnection(configuration: configuration, logger: TestRedis.logger)
        do {
            try await connection.ping()
            Issue.record("AUTH with a password unexpectedly succeeded")
        } catch let error as RedisError {
            #expect(error.code == .connectionFailed)
            #expect(error.message.contains("authentication"))
            #expect(!error.description.contains("n0t-the-Password"))
        }
    }

    @Test("commands after close() throw closed")
    func closeConnection() async throws {
        let connection = try TestRedis.connection()
        try await connection.ping()
        #expect(await connection.isConnected)
        await connection.close()
        #expect(await !connection.isConnected)
        await #expect {
            try await connection.ping()
        } throws: { error in
            (error as? RedisError)?.code == .closed
        }
    }

    @Test("SELECT picks the database from the URL")
    func selectsDatabase() async throws {
        var configuration = try TestRedis.configuration()
        configuration.database = 3
        let connection = RedisConnection(configuration: configuration, logger: TestRedis.logger)
        let key = TestRedis.uniquePrefix() + "db"
        do {
            _ = try await connection.command(["SET", key, "3"])
            let other = try TestRedis.connection()
            #expect(try await other.command(["EXISTS", key]) == .integer(0))
        } catch {
            _ = try? await connection.command(["DEL", key])
            throw error
        }
        #expect(try await connection.command(["DEL", key]) == .integer(1))
    }
}
