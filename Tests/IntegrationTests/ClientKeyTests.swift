import Foundation
import Testing

/// Client keys: created with a JWT and shown once, stored hashed, listed without the key, usable as
/// `Api-Key`, renamed, revoked at once; scoped to their owner for non-administrators.
@Suite struct ClientKeyTests {
    @Test func keyCycle() async throws {
        try await withTestHub { hub in
            let admin = try await hub.admin()
            var secrets: [String] = []

            let created = try await admin.post("/api/auth/clientkeys/", ["name": "backup-script", "ignored": 1])
            #expect(created.status == 201, "\(created.text)")
            let key = try #require(created.object["api_key"] as? String)
            secrets.append(key)
            let id = try #require(created.object["id"] as? Int)
            #expect(created.object["name"] as? String == "backup-script")
            #expect(pathOf(created.object["url"]) == "/api/auth/clientkeys/\(id)/")
            let parts = key.split(separator: ".")
            #expect(parts.count == 2 && parts[0].count == 8 && parts[1].count == 32)

            // Never shown again: not in the list, the detail, nor the database.
            let list = try await admin.get("/api/auth/clientkeys/")
            #expect(list.status == 200 && list.object["count"] as? Int == 1)
            #expect(!list.text.contains(String(parts[1])) && !list.text.contains("api_key"))
            let entry = try #require((list.object["results"] as? [[String: Any]])?.first)
            #expect(entry["user"] as? String == TestHub.adminUsername && entry["name"] as? String == "backup-script")
            #expect(Set(entry.keys) == ["url", "id", "name", "user"])
            let detail = try await admin.get("/api/auth/clientkeys/\(id)/")
            #expect(detail.status == 200 && !detail.text.contains(String(parts[1])))
            let stored = try await runTool(
                "/usr/bin/env", ["psql", hub.database.url, "-Atc", "SELECT prefix || ' ' || hashed_key FROM auth_client_key"])
            #expect(stored.output.hasPrefix(String(parts[0])) && !stored.output.contains(String(parts[1])))
            #expect(stored.output.contains("sha256$"))

            // Api-Key authenticates as the owner.
            let byKey = hub.api.apiKey(key)
            let mine = try await byKey.get("/api/my-permissions/")
            #expect(mine.status == 200)
            #expect(try await byKey.get("/api/users/\(TestHub.adminUsername)/").status == 200)
            // A key cannot mint or revoke keys (JWT only, AMB-07).
            let minted = try await byKey.post("/api/auth/clientkeys/", ["name": "sneaky"])
            #expect(minted.status == 403, "\(minted.text)")
            #expect(try await byKey.delete("/api/auth/clientkeys/\(id)/").status == 403)
            // Wrong or malformed keys are 401.
            for bad in [String(parts[0]) + "." + String(repeating: "x", count: 32), "nonsense", String(parts[0])] {
                let refused = try await hub.api.apiKey(bad).get("/api/my-permissions/")
                #expect(refused.status == 401 && refused.detail == "Invalid API key.", "\(bad): \(refused.text)")
            }

            // Rename.
            let renamed = try await byKey.patch("/api/auth/clientkeys/\(id)/", ["name": "nightly"])
            #expect(renamed.status == 200 && renamed.object["name"] as? String == "nightly")
            #expect(try await admin.patch("/api/auth/clientkeys/\(id)/", ["name": ""]).status == 400)
            #expect(try await admin.post("/api/auth/clientkeys/", [:]).object["name"] as? [String] == ["This field is required."])

            // Scope: a Users member sees only their own keys; they cannot create one without add_clientkey.
            let dave = try await hub.user("dave", admin: admin)
            let theirs = try await dave.get("/api/auth/clientkeys/")
            #expect(theirs.status == 200 && theirs.object["count"] as? Int == 0)
            #expect(try await dave.get("/api/auth/clientkeys/\(id)/").status == 404)
            #expect(try await dave.post("/api/auth/clientkeys/", ["name": "x"]).status == 403)
            // Given add_clientkey through a group, dave can make his own key, which the admin sees too.
            let addKey = try #require(try await permissionIDs(admin)["add_clientkey"])
            let group = try await admin.post("/api/groups/", ["name": "Key makers", "users": ["dave"], "permissions": [addKey]])
            #expect(group.status == 201, "\(group.text)")
            let davesKey = try await dave.post("/api/auth/clientkeys/", ["name": "dave-key"])
            #expect(davesKey.status == 201 && davesKey.object["user"] as? String == "dave")
            secrets.append(davesKey.object["api_key"] as? String ?? "")
            #expect(try await dave.get("/api/auth/clientkeys/").object["count"] as? Int == 1)
            #expect(try await admin.get("/api/auth/clientkeys/").object["count"] as? Int == 2)
            // A deactivated owner's key stops, and works again after activation (AMB-51).
            let davesAPI = hub.api.apiKey(davesKey.object["api_key"] as? String ?? "")
            #expect(try await davesAPI.get("/api/my-permissions/").status == 200)
            #expect(try await admin.post("/api/users/dave/deactivate/").status == 201)
            let inactive = try await davesAPI.get("/api/my-permissions/")
            #expect(inactive.status == 401 && inactive.detail == "User inactive or deleted.")
            #expect(try await admin.post("/api/users/dave/activate/").status == 201)
            #expect(try await davesAPI.get("/api/my-permissions/").status == 200)

            // Revoked: stops working at once.
            #expect(try await admin.delete("/api/auth/clientkeys/\(id)/").status == 204)
            let revoked = try await byKey.get("/api/my-permissions/")
            #expect(revoked.status == 401 && revoked.detail == "Invalid API key.")
            #expect(try await admin.get("/api/auth/clientkeys/\(id)/").status == 404)
            #expect(try await admin.delete("/api/auth/clientkeys/\(id)/").detail == "No Client key matches the given query.")
            // A deleted user's keys go with them.
            #expect(try await admin.delete("/api/users/dave/").status == 204)
            #expect(try await davesAPI.get("/api/my-permissions/").status == 401)
            return secrets
        }
    }
}

/// The permission catalogue by codename, read through the API (`page_size=0`: every row).
func permissionIDs(_ api: APIClient) async throws -> [String: Int] {
    let response = try await api.get("/api/permissions/?page_size=0")
    guard response.status == 200, let rows = response.object["results"] as? [[String: Any]] else {
        throw TestFailure("cannot read the permission catalogue: \(response.status) \(response.text)")
    }
    var ids: [String: Int] = [:]
    for row in rows {
        if let codename = row["codename"] as? String, let id = row["id"] as? Int { ids[codename] = id }
    }
    return ids
}
