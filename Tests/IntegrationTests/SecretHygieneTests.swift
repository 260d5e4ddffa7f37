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

    /// At trace level, with a broker password that is refused: neither the configuration's passwords nor any
    /// credential used with the API (passwords, tokens, client keys, wrong guesses) appears in the log or
    /// in an error body.
    @Test func hubNeverLogsOrServesItsPasswords() async throws {
        let dir = try TestEnvironment.temporaryDirectory("secret-hub")
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try await ScratchDatabase.create()
        let redis = try await ScratchRedis.create(index: 4)
        // The test PostgreSQL trusts loopback, so a password in the URL is accepted and ignored by the server.
        let databaseURL = database.url.replacingOccurrences(of: "://ngenea@", with: "://ngenea:\(Self.secret)@")
        let redisURL = redis.url.replacingOccurrences(of: "redis://", with: "redis://:\(Self.secret)@")
        let port = try TestEnvironment.freePort()
        let environment = [
            "NGENEA_DATABASE_URL": databaseURL, "NGENEA_REDIS_URL": redisURL, "NGENEAHUB_PORT": "\(port)",
            "NGENEAHUB_LOG_LEVEL": "trace", "NGENEAHUB_CONFIG": "/dev/null", "NGENEAHUB_PASSWORD_ITERATIONS": "1000",
        ]
        let adminPassword = "Adm1n-Secr3t-Pw!"
        let created = try await runTool(
            TestEnvironment.executable("ngeneahub"), ["createsuperuser", "--username", "admin"], environment: environment,
            input: adminPassword + "\n")
        #expect(created.status == 0, "\(created.output)")
        #expect(!created.output.contains(adminPassword) && !created.output.contains(Self.secret))
        let hub = try ManagedProcess(
            name: "hub", executable: TestEnvironment.executable("ngeneahub"), arguments: ["serve"],
            environment: environment, logDirectory: dir)
        let api = APIClient(base: "http://127.0.0.1:\(port)")
        let answered = try await eventually { try await api.get("/api/schema/").status == 200 }
        #expect(answered, "hub did not answer:\n\(hub.log)")

        var secrets = [Self.secret, adminPassword]
        var bodies: [String] = []
        func record(_ response: HTTP.Response) -> HTTP.Response {
            bodies.append(response.text)
            return response
        }

        // Failed logins, including a password typed into the username field.
        _ = record(try await api.post("/api/auth/token/", ["username": "admin", "password": "Wr0ng-Guess-99!"]))
        _ = record(try await api.post("/api/auth/token/", ["username": "Typed-In-Wr0ng-Box!", "password": "x"]))
        _ = record(try await api.send("POST", "/api/auth/token/", body: Data(#"{"username": "admin", "password": "Br0ken-Js0n!"#.utf8)))
        secrets += ["Wr0ng-Guess-99!", "Typed-In-Wr0ng-Box!", "Br0ken-Js0n!"]

        // A real session: tokens, a key, a user with a password, a password change.
        let login = record(try await api.post("/api/auth/token/", ["username": "admin", "password": adminPassword]))
        let access = try #require(login.object["access"] as? String)
        let refresh = try #require(login.object["refresh"] as? String)
        secrets += [access, refresh]
        let admin = api.bearer(access)
        let key = try #require(record(try await admin.post("/api/auth/clientkeys/", ["name": "k"])).object["api_key"] as? String)
        secrets.append(key)
        _ = record(try await api.apiKey(key).get("/api/users/"))
        _ = record(try await api.apiKey(String(key.dropLast()) + "Z").get("/api/users/"))
        _ = record(try await api.bearer(access + "x").get("/api/users/"))
        _ = record(try await api.post("/api/auth/token/verify/", ["type": "access", "token": access]))
        _ = record(try await api.post("/api/auth/token/refresh/", ["refresh": refresh + "x"]))
        _ = record(try await admin.post("/api/users/", ["username": "ivy", "password": "Ivy-Pa55word!"]))
        _ = record(try await admin.post("/api/users/", ["username": "ivy2", "password": "weakpass"]))
        _ = record(try await admin.patch("/api/users/ivy/", ["password": "Ivy-N3w-Pa55!"]))
        secrets += ["Ivy-Pa55word!", "weakpass", "Ivy-N3w-Pa55!"]
        let ivy = api.bearer(try #require(record(try await api.post("/api/auth/token/", ["username": "ivy", "password": "Ivy-N3w-Pa55!"])).object["access"] as? String))
        _ = record(try await ivy.post("/api/users/change_password/", ["old_password": "Not-Her-0ld!", "new_password": "Ivy-Th1rd-Pa55!"]))
        _ = record(try await ivy.post("/api/users/change_password/", ["old_password": "Ivy-N3w-Pa55!", "new_password": "Ivy-Th1rd-Pa55!"]))
        secrets += ["Not-Her-0ld!", "Ivy-Th1rd-Pa55!"]

        // Health reports the refused broker without repeating its password.
        let health = record(try await admin.get("/api/health/"))
        #expect(health.status == 200, "\(health.text)")
        let hubStatus = health.object["hub_status"] as? [String: Any]
        #expect(hubStatus?["health"] as? String == "critical")
        #expect(hubStatus?["database"] as? String == "ok")

        _ = await hub.stop()
        let log = hub.log
        for secret in secrets {
            #expect(!log.contains(secret), "a secret (\(secret.prefix(4))...) appeared in the hub's log")
            for body in bodies where body.contains(secret) {
                // The one place a secret may be: the response that creates it for the caller.
                #expect(body.contains("\"api_key\"") || body.contains("\"access\""), "a secret appeared in a response body: \(body.prefix(200))")
            }
        }
        #expect(log.contains("POST /api/auth/token/ 401"), "the request log is missing")
        await database.drop()
    }
}
