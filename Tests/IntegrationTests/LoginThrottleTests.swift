import Foundation
import Testing

/// Repeated failed logins from one client for one username are refused for a while (429 with
/// Retry-After), counted in PostgreSQL so that every replica behind a load balancer enforces them.
@Suite struct LoginThrottleTests {
    @Test func failuresLockOutAcrossReplicas() async throws {
        try await withTestHub(
            environment: ["NGENEAHUB_LOGIN_MAX_FAILURES": "3", "NGENEAHUB_LOGIN_LOCKOUT": "3"]
        ) { hub in
            let admin = try await hub.admin()
            let gina = try await hub.user("gina", admin: admin)
            let replicaA = hub.api
            let replicaB = APIClient(base: try await hub.startReplica())
            let wrong = ["username": TestHub.adminUsername, "password": "Guess-n0-1!"]
            let right = ["username": TestHub.adminUsername, "password": TestHub.adminPassword]

            // Two failures on one replica and the third on the other start the lockout.
            #expect(try await replicaA.post("/api/auth/token/", wrong).status == 401)
            #expect(try await replicaA.post("/api/auth/token/", wrong).status == 401)
            #expect(try await replicaB.post("/api/auth/token/", wrong).status == 401)
            for replica in [replicaA, replicaB] {
                // Even the right password is refused while locked out, on every replica.
                let locked = try await replica.post("/api/auth/token/", right)
                #expect(locked.status == 429, "\(locked.text)")
                let retry = Int(locked.header("Retry-After") ?? "") ?? 0
                #expect((1...3).contains(retry), "Retry-After: \(locked.header("Retry-After") ?? "none")")
                #expect(locked.detail?.hasPrefix("Request was throttled.") == true)
                #expect(!locked.text.contains(TestHub.adminPassword))
            }
            // Another username from the same client is not affected.
            #expect(try await replicaA.post("/api/auth/token/", ["username": "someone", "password": "Guess-n0-1!"]).status == 401)

            // Once it expires, one more failure locks out again for twice as long (6 s).
            try await Task.sleep(for: .milliseconds(3500))
            #expect(try await replicaB.post("/api/auth/token/", wrong).status == 401)
            let doubled = try await replicaA.post("/api/auth/token/", right)
            #expect(doubled.status == 429 && (4...6).contains(Int(doubled.header("Retry-After") ?? "") ?? 0), "\(doubled.headers)")

            // After the lockout the right password works and clears the count.
            try await Task.sleep(for: .milliseconds(6500))
            #expect(try await replicaB.post("/api/auth/token/", right).status == 200)
            #expect(try await replicaA.post("/api/auth/token/", wrong).status == 401)
            #expect(try await replicaA.post("/api/auth/token/", right).status == 200)

            // Wrong old passwords in change_password count towards the same lockout as logins.
            let guess = ["old_password": "Guess-n0-1!", "new_password": "Brand-n3w-pw!"]
            for _ in 0..<3 { #expect(try await gina.post("/api/users/change_password/", guess).status == 400) }
            let lockedChange = try await gina.post("/api/users/change_password/", guess)
            #expect(lockedChange.status == 429 && lockedChange.header("Retry-After") != nil)
            #expect(try await replicaB.post("/api/auth/token/", ["username": "gina", "password": "Us3r-Pa55word!"]).status == 429)
            return ["Guess-n0-1!", "Brand-n3w-pw!", "Us3r-Pa55word!"]
        }
    }
}
