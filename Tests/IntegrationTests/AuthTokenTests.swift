import Foundation
import Testing

/// The JWT cycle against the real hub: obtain, use, refresh, verify, the JWKS (checked with the openssl
/// tool, not the hub's code), expiry, and tokens that stop working when their user is deactivated or deleted.
@Suite struct AuthTokenTests {
    @Test func tokenCycle() async throws {
        // Short access tokens so that expiry is part of the test; 20 s, not less: under the parallel phase
        // of `make test` the first two requests took more than 6 s.
        try await withTestHub(environment: ["NGENEAHUB_ACCESS_TOKEN_LIFETIME": "20"]) { hub in
            let api = hub.api
            var secrets: [String] = []

            // Obtain.
            let obtained = try await api.post("/api/auth/token/", ["username": TestHub.adminUsername, "password": TestHub.adminPassword])
            #expect(obtained.status == 200, "\(obtained.text)")
            let access = try #require(obtained.object["access"] as? String)
            let refresh = try #require(obtained.object["refresh"] as? String)
            secrets += [access, refresh]
            let obtainedAt = ContinuousClock.now
            #expect(Set(obtained.object.keys) == ["access", "refresh"])
            // Checks that need this token unexpired come first; later ones use a refreshed token, so that
            // a slow machine cannot let a 20-second token expire mid-test.
            #expect(try await api.bearer(access).get("/api/my-permissions/").status == 200)
            #expect(try await api.post("/api/auth/token/verify/", ["type": "access", "token": access]).status == 200)
            func fresh() async throws -> String {
                let response = try await api.post("/api/auth/token/refresh/", ["refresh": refresh])
                let token = try #require(response.object["access"] as? String, "refresh failed: \(response.text)")
                secrets.append(token)
                return token
            }

            // Wrong credentials, missing fields.
            let wrong = try await api.post("/api/auth/token/", ["username": TestHub.adminUsername, "password": "Wrong-pa55!"])
            #expect(wrong.status == 401)
            #expect(wrong.detail == "No active account found with the given credentials")
            let unknown = try await api.post("/api/auth/token/", ["username": "nobody", "password": "Wrong-pa55!"])
            #expect(unknown.status == 401 && unknown.detail == wrong.detail)
            let missing = try await api.post("/api/auth/token/", ["username": TestHub.adminUsername])
            #expect(missing.status == 400)
            #expect(missing.object["password"] as? [String] == ["This field is required."])

            // Use: Bearer works; a refresh token is not an access token; garbage is 401 token_not_valid.
            let health = try await api.bearer(try await fresh()).get("/api/health/")
            #expect(health.status == 200, "\(health.text)")
            let withRefresh = try await api.bearer(refresh).get("/api/health/")
            #expect(withRefresh.status == 401 && withRefresh.object["code"] as? String == "token_not_valid")
            let garbage = try await api.bearer("not.a.token").get("/api/users/")
            #expect(garbage.status == 401 && garbage.object["code"] as? String == "token_not_valid")
            #expect(garbage.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            // A stale header does not stop anyone from logging in again.
            let relogin = try await api.bearer("not.a.token").post(
                "/api/auth/token/", ["username": TestHub.adminUsername, "password": TestHub.adminPassword])
            #expect(relogin.status == 200)

            // Verify returns the user, never the password.
            let verified = try await api.post("/api/auth/token/verify/", ["type": "access", "token": try await fresh()])
            #expect(verified.status == 200, "\(verified.text)")
            let user = verified.object
            #expect(user["username"] as? String == TestHub.adminUsername)
            #expect(user["is_superuser"] as? Bool == true && user["is_active"] as? Bool == true)
            #expect(user["groups"] as? [Int] == [1])
            #expect(user["password"] == nil && !verified.text.contains("pbkdf2"))
            for key in ["id", "first_name", "last_name", "email", "is_staff", "last_login", "date_joined", "user_permissions"] {
                #expect(user[key] != nil, "verify response lacks \(key)")
            }
            let verifiedRefresh = try await api.post("/api/auth/token/verify/", ["type": "refresh", "token": refresh])
            #expect(verifiedRefresh.status == 200)
            let wrongType = try await api.post("/api/auth/token/verify/", ["type": "refresh", "token": access])
            #expect(wrongType.status == 401 && wrongType.detail == "Token is invalid or expired")
            let badType = try await api.post("/api/auth/token/verify/", ["type": "session", "token": access])
            #expect(badType.status == 400 && badType.object["type"] as? [String] == ["\"session\" is not a valid choice."])
            let noToken = try await api.post("/api/auth/token/verify/", ["type": "access"])
            #expect(noToken.status == 400 && noToken.object["token"] as? [String] == ["This field is required."])

            // The JWKS verifies the signature, checked by openssl.
            let jwks = try await api.get("/api/auth/token/publickey/")
            #expect(jwks.status == 200)
            let keys = try #require(jwks.object["keys"] as? [[String: Any]])
            #expect(keys.count == 1)
            let jwk = try #require(keys.first)
            #expect(jwk["alg"] as? String == "RS256" && jwk["kty"] as? String == "RSA" && jwk["use"] as? String == "sig")
            #expect(jwk["e"] as? String == "AQAB" && jwk["kid"] is String && jwk["d"] == nil && jwk["p"] == nil)
            #expect(try await OpenSSLVerifier.verify(token: access, jwk: jwk))
            var tampered = access.split(separator: ".").map(String.init)
            tampered[1] = tampered[1].replacingOccurrences(of: "a", with: "b")
            #expect(try await !OpenSSLVerifier.verify(token: tampered.joined(separator: "."), jwk: jwk))
            let header = try #require(OpenSSLVerifier.base64URLDecode(String(access.split(separator: ".")[0])))
            let headerObject = try JSONSerialization.jsonObject(with: header) as? [String: Any]
            #expect(headerObject?["kid"] as? String == jwk["kid"] as? String)

            // Refresh gives a new, working access token.
            let refreshed = try await api.post("/api/auth/token/refresh/", ["refresh": refresh])
            #expect(refreshed.status == 200, "\(refreshed.text)")
            let newAccess = try #require(refreshed.object["access"] as? String)
            secrets.append(newAccess)
            #expect(try await api.bearer(newAccess).get("/api/health/").status == 200)
            let refreshWithAccess = try await api.post("/api/auth/token/refresh/", ["refresh": access])
            #expect(refreshWithAccess.status == 401 && refreshWithAccess.object["code"] as? String == "token_not_valid")

            // Expiry: 20 s after it was issued the first access token is refused, by the hub and by verify.
            try await Task.sleep(until: obtainedAt + .seconds(21), clock: .continuous)
            let expired = try await api.bearer(access).get("/api/health/")
            #expect(expired.status == 401 && expired.object["code"] as? String == "token_not_valid")
            #expect(try await api.post("/api/auth/token/verify/", ["type": "access", "token": access]).status == 401)
            let late = try await api.post("/api/auth/token/refresh/", ["refresh": refresh])
            #expect(late.status == 200)
            let lateAccess = try #require(late.object["access"] as? String)
            secrets.append(lateAccess)

            // The signing key lives in PostgreSQL: a second replica publishes the same JWKS and accepts the
            // first one's tokens.
            let replica = APIClient(base: try await hub.startReplica())
            #expect(try await replica.get("/api/auth/token/publickey/").text == jwks.text)
            #expect(try await replica.bearer(lateAccess).get("/api/my-permissions/").status == 200)
            return secrets + ["Wrong-pa55!"]
        }
    }

    /// A deactivated user's tokens stop working at once and work again after activation; a deleted
    /// user's tokens stop for good.
    @Test func tokensFollowTheirUsersState() async throws {
        try await withTestHub { hub in
            let admin = try await hub.admin()
            let carol = try await hub.user("carol", admin: admin)
            let carolTokens = try await hub.login("carol", "Us3r-Pa55word!")
            #expect(try await carol.get("/api/my-permissions/").status == 200)

            let deactivated = try await admin.post("/api/users/carol/deactivate/")
            #expect(deactivated.status == 201 && deactivated.object["is_active"] as? Bool == false)
            let refused = try await carol.get("/api/my-permissions/")
            #expect(refused.status == 401 && refused.object["code"] as? String == "user_inactive")
            #expect(try await hub.api.post("/api/auth/token/verify/", ["type": "access", "token": carolTokens.access]).status == 401)
            #expect(try await hub.api.post("/api/auth/token/refresh/", ["refresh": carolTokens.refresh]).status == 401)
            let login = try await hub.api.post("/api/auth/token/", ["username": "carol", "password": "Us3r-Pa55word!"])
            #expect(login.status == 401)

            #expect(try await admin.post("/api/users/carol/activate/").status == 201)
            #expect(try await carol.get("/api/my-permissions/").status == 200)

            #expect(try await admin.delete("/api/users/carol/").status == 204)
            let gone = try await carol.get("/api/my-permissions/")
            #expect(gone.status == 401 && gone.object["code"] as? String == "user_not_found")
            #expect(try await hub.api.post("/api/auth/token/verify/", ["type": "access", "token": carolTokens.access]).status == 401)
            return [carolTokens.access, carolTokens.refresh, "Us3r-Pa55word!"]
        }
    }
}
