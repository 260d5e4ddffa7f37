import Foundation
import Testing

/// Users through the API: the manual's shapes, every validation error, self-service limits, password
/// changes, activation and deletion, and the rules that keep an administrator in charge.
@Suite struct UserLifecycleTests {
    static let password = "Us3r-Pa55word!"

    @Test func createReadUpdateDelete() async throws {
        try await withTestHub { hub in
            let admin = try await hub.admin()
            _ = try await runTool("/usr/bin/env", ["psql", hub.database.url, "-qc", "INSERT INTO sites (name) VALUES ('siteA')"])

            // The manual's POST example (L19556-19575), with a valid password.
            let body: [String: Any] = [
                "username": "Example2", "password": Self.password, "first_name": "Example", "last_name": "User",
                "email": "user@gmail.com", "groups": ["Users"], "surplus": "ignored",
                "profile": [
                    "phone": "12345678", "timezone": "string", "country": "string", "department": "string",
                    "line_manager": "string", "default_site": 1, "home_site": 1,
                ],
            ]
            let created = try await admin.post("/api/users/", body)
            #expect(created.status == 201, "\(created.text)")
            let echo = created.object
            #expect(echo["username"] as? String == "Example2" && echo["password"] as? String == "*****")
            #expect(echo["groups"] as? [String] == ["Users"] && echo["nas_user"] is NSNull)
            #expect((echo["profile"] as? [String: Any])?["default_site"] as? Int == 1)
            #expect(pathOf(echo["url"]) == "/api/users/Example2/")
            #expect(!created.text.contains(Self.password) && !created.text.contains("pbkdf2"))

            // The read form.
            let read = try await admin.get("/api/users/Example2/")
            #expect(read.status == 200)
            let user = read.object
            for key in ["id", "url", "username", "first_name", "last_name", "email", "is_active", "last_login", "date_joined", "groups", "profile", "nas_user"] {
                #expect(user[key] != nil, "read form lacks \(key)")
            }
            #expect(user["is_active"] as? Bool == true && user["last_login"] is NSNull)
            let group = try #require((user["groups"] as? [[String: Any]])?.first)
            #expect(group["id"] as? Int == 2 && group["name"] as? String == "Users" && pathOf(group["url"]) == "/api/groups/2/")
            let joined = try #require(user["date_joined"] as? String)
            #expect(joined.hasSuffix("Z") && joined.count == 27, "timestamps carry microseconds and Z: \(joined)")
            #expect(try await admin.get("/api/users/nobody/").detail == "No User matches the given query.")

            // List: by username, with the envelope.
            _ = try await hub.user("aaron", admin: admin)
            let list = try await admin.get("/api/users/")
            let names = (list.object["results"] as? [[String: Any]])?.compactMap { $0["username"] as? String }
            #expect(names == ["aaron", "admin", "Example2"])  // by username, case-insensitively
            #expect(list.object["count"] as? Int == 3 && list.object["next"] is NSNull)

            // PATCH: only what is sent changes; profile sub-fields merge; the write form comes back.
            let patched = try await admin.patch("/api/users/Example2/", ["first_name": "Updated", "profile": ["phone": "999"]])
            #expect(patched.status == 200, "\(patched.text)")
            #expect(patched.object["first_name"] as? String == "Updated" && patched.object["last_name"] as? String == "User")
            #expect((patched.object["profile"] as? [String: Any])?["phone"] as? String == "999")
            #expect((patched.object["profile"] as? [String: Any])?["department"] as? String == "string")
            #expect(patched.object["password"] == nil)
            let regrouped = try await admin.patch("/api/users/Example2/", ["groups": [], "profile": NSNull()])
            #expect(regrouped.object["groups"] as? [String] == [] && regrouped.object["profile"] is NSNull)

            // NAS: a NAS user's primary group must be a NAS group; the uid comes from 100000.
            let nasGroup = try await admin.post("/api/groups/", ["name": "nasusers", "nas_group": true])
            #expect((nasGroup.object["nas_group"] as? [String: Any])?["gid"] as? Int == 100000, "\(nasGroup.text)")
            let notNAS = try await admin.patch("/api/users/Example2/", ["nas_user": ["primary_group": "Users"]])
            #expect(notNAS.status == 400 && (notNAS.object["nas_user"] as? [String: Any])?["primary_group"] != nil)
            let nas = try await admin.patch("/api/users/Example2/", ["nas_user": ["primary_group": "nasusers", "allow_ssh": true]])
            let nasUser = nas.object["nas_user"] as? [String: Any]
            #expect(nasUser?["uid"] as? Int == 100000 && nasUser?["allow_ssh"] as? Bool == true, "\(nas.text)")
            let stillNAS = try await admin.patch("/api/users/Example2/", ["nas_user": ["allow_ssh": false]])
            #expect((stillNAS.object["nas_user"] as? [String: Any])?["uid"] as? Int == 100000)
            #expect(try await admin.patch("/api/users/Example2/", ["nas_user": NSNull()]).object["nas_user"] is NSNull)

            // An administrator resets a password through PATCH.
            #expect(try await admin.patch("/api/users/Example2/", ["password": "N3w-Passw0rd!"]).status == 200)
            _ = try await hub.login("Example2", "N3w-Passw0rd!")
            let weak = try await admin.patch("/api/users/Example2/", ["password": "weak"])
            #expect(weak.status == 400 && (weak.object["password"] as? [String])?.count == 4)

            // Activate / deactivate: 201 with the read form.
            let off = try await admin.post("/api/users/Example2/deactivate/")
            #expect(off.status == 201 && off.object["is_active"] as? Bool == false && off.object["groups"] is [Any])
            let on = try await admin.post("/api/users/Example2/activate/", NSNull())
            #expect(on.status == 201 && on.object["is_active"] as? Bool == true)
            #expect(try await admin.post("/api/users/nobody/activate/").status == 404)

            // Delete: 204, then 404.
            let deleted = try await admin.delete("/api/users/Example2/")
            #expect(deleted.status == 204 && deleted.body.isEmpty)
            #expect(try await admin.delete("/api/users/Example2/").detail == "No User matches the given query.")
            return [Self.password, "N3w-Passw0rd!"]
        }
    }

    @Test func everyValidationError() async throws {
        try await withTestHub { hub in
            let admin = try await hub.admin()
            func errors(_ body: Any) async throws -> [String: Any] {
                let response = try await admin.post("/api/users/", body)
                #expect(response.status == 400, "\(response.text)")
                #expect(!response.text.contains(Self.password))
                return response.object
            }
            let required = try await errors([String: Any]())
            #expect(required["username"] as? [String] == ["This field is required."])
            #expect(required["password"] as? [String] == ["This field is required."])

            let valid: [String: Any] = ["username": "valid", "password": Self.password]
            func with(_ changes: [String: Any]) -> [String: Any] { valid.merging(changes) { _, new in new } }
            #expect((try await errors(with(["username": "bad name!"])))["username"] as? [String]
                == ["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."])
            #expect((try await errors(with(["username": String(repeating: "a", count: 151)])))["username"] as? [String]
                == ["Ensure this field has no more than 150 characters."])
            #expect((try await errors(with(["username": ""])))["username"] as? [String] == ["This field may not be blank."])
            #expect((try await errors(with(["username": 12])))["username"] as? [String] == ["Not a valid string."])
            #expect((try await errors(with(["username": TestHub.adminUsername])))["username"] as? [String]
                == ["A user with that username already exists."])
            let policy: [(String, String, String)] = [
                ("valid", "Sh0rt!", "This password is too short. It must contain at least 8 characters."),
                ("valid", "nodigits-Here", "This password must contain at least 1 digit, 0-9."),
                ("valid", "nouppercase-1", "This password must contain at least 1 uppercase letter, A-Z."),
                ("valid", "NoSpecial123", "This password must contain at least 1 special character, e.g. !@#$%^&*."),
                ("validuser", "Validuser1!", "The password is too similar to the username."),
            ]
            for (username, password, message) in policy {
                let messages = (try await errors(with(["username": username, "password": password])))["password"] as? [String] ?? []
                #expect(messages.contains(message), "\(password): \(messages)")
            }
            #expect((try await errors(with(["email": "not-an-email"])))["email"] as? [String] == ["Enter a valid email address."])
            #expect((try await errors(with(["first_name": ["x"]])))["first_name"] as? [String] == ["Not a valid string."])
            #expect((try await errors(with(["groups": ["Nope"]])))["groups"] as? [String] == ["Object with name=Nope does not exist."])
            #expect((try await errors(with(["groups": "Users"])))["groups"] as? [String] == ["Expected a list of items but got type \"str\"."])
            #expect((try await errors(with(["profile": "x"])))["profile"] as? [String]
                == ["Expected a dictionary of items but got type \"str\"."])
            let badSite = try await errors(with(["profile": ["default_site": 77]]))
            #expect((badSite["profile"] as? [String: Any])?["default_site"] as? [String] == ["Invalid pk \"77\" - object does not exist."])
            let badType = try await errors(with(["profile": ["home_site": "one"]]))
            #expect((badType["profile"] as? [String: Any])?["home_site"] as? [String] == ["A valid integer is required."])
            let nas = try await errors(with(["nas_user": [:]]))
            #expect((nas["nas_user"] as? [String: Any])?["primary_group"] as? [String] == ["This field is required."])
            // Several at once, each under its field.
            let many = try await errors(["username": "x y", "password": 5, "email": "@"])
            #expect(Set(many.keys) == ["username", "password", "email"])
            // Nothing was created by the failures.
            #expect(try await admin.get("/api/users/").object["count"] as? Int == 1)
            return [Self.password]
        }
    }

    @Test func selfServiceAndPasswordChange() async throws {
        try await withTestHub { hub in
            let admin = try await hub.admin()
            // A user in no group: no view_user, yet they can read and edit their own account.
            let erin = try await hub.user("erin", groups: [], admin: admin)
            _ = try await hub.user("frank", admin: admin)
            #expect(try await erin.get("/api/users/erin/").status == 200)
            #expect(try await erin.get("/api/users/frank/").status == 403)
            #expect(try await erin.get("/api/users/").status == 403)
            let own = try await erin.patch("/api/users/erin/", ["first_name": "Erin", "email": "erin@example.com", "profile": ["phone": "1"]])
            #expect(own.status == 200, "\(own.text)")
            for field: [String: Any] in [["groups": ["Administrators"]], ["password": "Other-pa55!"], ["nas_user": NSNull()]] {
                let refused = try await erin.patch("/api/users/erin/", field)
                #expect(refused.status == 403, "\(field): \(refused.text)")
            }
            #expect(try await erin.patch("/api/users/frank/", ["first_name": "x"]).status == 403)
            #expect(try await erin.delete("/api/users/erin/").status == 403)
            #expect(try await erin.post("/api/users/erin/deactivate/").status == 403)

            // change_password: the old password proves it is them; the new one meets the policy.
            let wrongOld = try await erin.post("/api/users/change_password/", ["old_password": "Nope-nope1!", "new_password": "Brand-n3w-pw!"])
            #expect(wrongOld.status == 400 && wrongOld.object["old_password"] as? [String] == ["Incorrect password."])
            let weakNew = try await erin.post("/api/users/change_password/", ["old_password": Self.password, "new_password": "short"])
            #expect(weakNew.status == 400)
            #expect((weakNew.object["new_password"] as? [String])?.first == "This password is too short. It must contain at least 8 characters.")
            let missing = try await erin.post("/api/users/change_password/", [:])
            #expect(missing.object["old_password"] as? [String] == ["This field is required."])
            #expect(missing.object["new_password"] as? [String] == ["This field is required."])
            let changed = try await erin.post("/api/users/change_password/", ["old_password": Self.password, "new_password": "Brand-n3w-pw!"])
            #expect(changed.status == 200 && changed.object["message"] as? String == "password successfully changed")
            #expect(try await hub.api.post("/api/auth/token/", ["username": "erin", "password": Self.password]).status == 401)
            _ = try await hub.login("erin", "Brand-n3w-pw!")
            #expect(try await hub.api.post("/api/users/change_password/", [:]).status == 401)

            // Administrators cannot delete or deactivate themselves.
            let selfDelete = try await admin.delete("/api/users/\(TestHub.adminUsername)/")
            #expect(selfDelete.status == 400 && selfDelete.detail == "You cannot delete your own account.")
            let selfOff = try await admin.post("/api/users/\(TestHub.adminUsername)/deactivate/")
            #expect(selfOff.status == 400 && selfOff.detail == "You cannot deactivate your own account.")

            // change_user without being an administrator does not reach administrators or the Administrators group.
            let ids = try await permissionIDs(admin)
            let helpdesk = try await admin.post(
                "/api/groups/", ["name": "Helpdesk", "permissions": [ids["view_user"], ids["change_user"]].compactMap { $0 }])
            #expect(helpdesk.status == 201)
            let helper = try await hub.user("helper", groups: ["Helpdesk"], admin: admin)
            #expect(try await helper.patch("/api/users/frank/", ["last_name": "F"]).status == 200)
            #expect(try await helper.patch("/api/users/frank/", ["groups": ["Administrators"]]).status == 403)
            #expect(try await helper.patch("/api/users/\(TestHub.adminUsername)/", ["password": "Taken-0ver!"]).status == 403)
            #expect(try await helper.post("/api/users/\(TestHub.adminUsername)/deactivate/").status == 403)
            #expect(try await helper.post("/api/users/frank/deactivate/").status == 201)

            // The last active administrator stays: a second administrator may delete the first, but not
            // then empty the Administrators group.
            let second = try await hub.user("second", groups: ["Administrators"], admin: admin)
            #expect(try await second.delete("/api/users/\(TestHub.adminUsername)/").status == 204)
            let emptied = try await second.patch("/api/groups/1/", ["users": []])
            #expect(emptied.status == 400 && emptied.detail == "At least one active administrator must remain.")
            #expect(try await second.get("/api/groups/1/").object["users"] as? [Any] != nil)
            return [Self.password, "Brand-n3w-pw!", "Nope-nope1!", "Other-pa55!", "Taken-0ver!"]
        }
    }
}
