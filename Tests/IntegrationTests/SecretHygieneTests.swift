import Foundation
import Testing

/// Secrets in configuration (broker and database passwords) never reach a log line or an API body, even at
/// debug level and when the secret is wrong and the connection fails.
@Suite struct SecretHygieneTests {
    static let secret = "Sup3rSecretPa55"

    @Test func workerNeverLogsTheBrokerPassword() async throws {
        let dir = try TestEnvironment.temporaryDirectory("secret-worker")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Authentication fails before any command, so no data is touched: no scratch database needed.
        let withPassword = TestEnvironment.redisURL.replacingOccurrences(of: "redis://", with: "redis://:\(Self.secret)@")
        let path = dir.appendingPathComponent("worker.conf").path
        try """
        [settings]
        site = vault
        api_host = 127.0.0.1
        broker_url = \(withPassword)
        loglevel = DEBUG
        heartbeat_interval = 1
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let worker = try ManagedProcess(
            name: "worker", executable: TestEnvironment.executable("ngenea-worker"), arguments: ["run", "--config", path],
            environment: [:], logDirectory: dir)
        // Redis has no password set, so AUTH fails and the worker keeps retrying and logging about it.
        let complained = try await eventually(timeout: .seconds(15)) { worker.log.contains("AUTH") || worker.log.contains("auth") }
        #expect(complained, "expected the worker to log its failed authentication:\n\(worker.log)")
        _ = await worker.stop()
        #expect(!worker.log.contains(Self.secret), "the broker password appeared in the worker's log")
    }

    @Test func hubNeverLogsOrServesItsPasswords() async throws {
        let dir = try TestEnvironment.temporaryDirectory("secret-hub")
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try await ScratchDatabase.create()
        let redis = try await ScratchRedis.create(index: 4)
        // The test PostgreSQL trusts loopback, so a password in the URL is accepted and ignored by the server.
        let databaseURL = database.url.replacingOccurrences(of: "://ngenea@", with: "://ngenea:\(Self.secret)@")
        let redisURL = redis.url.replacingOccurrences(of: "redis://", with: "redis://:\(Self.secret)@")
        let port = try TestEnvironment.freePort()
        let hub = try ManagedProcess(
            name: "hub", executable: TestEnvironment.executable("ngeneahub"), arguments: ["serve"],
            environment: [
                "NGENEA_DATABASE_URL": databaseURL, "NGENEA_REDIS_URL": redisURL, "NGENEAHUB_PORT": "\(port)",
                "NGENEAHUB_LOG_LEVEL": "trace", "NGENEAHUB_CONFIG": "/dev/null",
            ], logDirectory: dir)
        var body = ""
        let answered = try await eventually {
            let response = try await HTTP.get("http://127.0.0.1:\(port)/api/health/")
            body = String(decoding: response.body, as: UTF8.self)
            return response.status == 200
        }
        #expect(answered, "hub did not answer:\n\(hub.log)")
        // The broker refuses the password, and health says so without repeating it.
        let health = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let hubStatus = health?["hub_status"] as? [String: Any]
        #expect(hubStatus?["health"] as? String == "critical")
        #expect(hubStatus?["database"] as? String == "ok")
        #expect(!body.contains(Self.secret), "the password appeared in /api/health/")
        _ = await hub.stop()
        #expect(!hub.log.contains(Self.secret), "a password appeared in the hub's log")
        await database.drop()
    }
}
