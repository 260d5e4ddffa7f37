import Foundation
import Testing

/// Groups, the permission catalogue and `my-permissions`, against the manual's shapes and fixed points.
@Suite struct GroupPermissionTests {
    @Test func groupsPermissionsAndObjectPermissions() async throws {
        try await withTestHub { hub in
            let admin = try await hub.admin()

            // The catalogue: the manual's fixed ids, by id, paginated.
            let catalogue = try await admin.get("/api/permissions/?page=1&page_size=20")
            #expect(catalogue.status == 200)
            let total = try #require(catalogue.object["count"] as? Int)
            #expect(total >= 149)
            #expect(pathOf(catalogue.object["next"]) == "/api/permissions/?page=2&page_size=20")
            let first = try #require((catalogue.object["results"] as? [[String: Any]])?.first)
            #expect(first["id"] as? Int == 1 && first["codename"] as? String == "view_health")
            #expect(first["name"] as? String == "Can view health endpoint" && first["app_label"] as? String == "filebrowser")
            #expect(first["model"] as? String == "node")
            let seven = try await admin.get("/api/permissions/7/")
            #expect(seven.text == #"{"id":7,"name":"Can change bucket","app_label":"external_targets","codename":"change_bucket","model":"bucket"}"#)
            #expect(try await admin.get("/api/permissions/290/").object["codename"] as? String == "add_logentry")
            #expect(try await admin.get("/api/permissions/99999/").detail == "No Permission matches the given query.")
            let ids = try await permissionIDs(admin)
            #expect(ids.count == total && ids["add_alert"] == 2 && ids["change_alert"] == 3)
            let views = Set(ids.filter { $0.key.hasPrefix("view_") }.values)

            // The default groups: Administrators hold everything, Users every view_ permission.
            let defaults = try await admin.get("/api/groups/")
            let groups = try #require(defaults.object["results"] as? [[String: Any]])
            #expect(defaults.object["count"] as? Int == 2)
            #expect(groups.map { $0["id"] as? Int } == [1, 2])
            #expect(groups[0]["name"] as? String == "Administrators")
            #expect(groups[0]["description"] as? String == "Default group for users with administrative access")
            #expect(Set(groups[0]["permissions"] as? [Int] ?? []) == Set(ids.values))
            #expect(groups[1]["name"] as? String == "Users")
            #expect(groups[1]["description"] as? String == "Default group for users with read-only access")
            #expect(Set(groups[1]["permissions"] as? [Int] ?? []) == views)
            let adminMember = try #require((groups[0]["users"] as? [[String: Any]])?.first)
            #expect(Set(adminMember.keys) == ["username", "first_name", "last_name", "email", "date_joined", "last_login"])

            // Create (the manual's example, L20393-20410): the write form echoes usernames.
            for name in ["Test", "Example", "Example3"] { _ = try await hub.user(name, admin: admin) }
            let chosen = [ids["view_site"], ids["change_site"], ids["view_job"]].compactMap { $0 }
            let created = try await admin.post("/api/groups/", [
                "name": "Test Group", "users": ["Test", "Example", "Example3"], "description": "A group for testing purposes",
                "permissions": chosen,
            ])
            #expect(created.status == 201, "\(created.text)")
            let group = created.object
            let id = try #require(group["id"] as? Int)
            #expect(id == 3)
            #expect(group["users"] as? [String] == ["Test", "Example", "Example3"])
            #expect(group["permissions"] as? [Int] == chosen)
            #expect(group["object_permissions"] as? [Any] != nil && group["nas_group"] is NSNull)

            // Read form: members as summaries.
            let read = try await admin.get("/api/groups/\(id)/")
            #expect((read.object["users"] as? [[String: Any]])?.map { $0["username"] as? String } == ["Test", "Example", "Example3"])
            #expect((read.object["users"] as? [[String: Any]])?.first?["id"] == nil)

            // Validation.
            func errors(_ method: String, _ path: String, _ body: [String: Any]) async throws -> [String: Any] {
                let response = try await admin.send(method, path, json: body)
                #expect(response.status == 400, "\(body): \(response.text)")
                return response.object
            }
            #expect((try await errors("POST", "/api/groups/", ["name": "Test Group"]))["name"] as? [String]
                == ["group with this name already exists."])
            #expect((try await errors("POST", "/api/groups/", [:]))["name"] as? [String] == ["This field is required."])
            #expect((try await errors("POST", "/api/groups/", ["name": "x", "users": ["ghost"]]))["users"] as? [String]
                == ["Object with username=ghost does not exist."])
            #expect((try await errors("POST", "/api/groups/", ["name": "x", "permissions": [99999]]))["permissions"] as? [String]
                == ["Invalid pk \"99999\" - object does not exist."])
            #expect((try await errors("POST", "/api/groups/", ["name": "x", "permissions": ["view_site"]]))["permissions"] as? [String]
                == ["Incorrect type. Expected pk value, received str."])
            #expect((try await errors("POST", "/api/groups/", ["name": "x", "nas_group": "yes"]))["nas_group"] as? [String]
                == ["Must be a valid boolean."])
            let mismatched = try await errors(
                "POST", "/api/groups/", ["name": "x", "object_permissions": [["model": "site", "object_pk": "1", "permission": ids["view_group"] ?? 0]]])
            #expect(mismatched["object_permissions"] != nil)
            #expect(try await admin.get("/api/groups/").object["count"] as? Int == 3)

            // PATCH: lists replace, omitted fields stay (AMB-15).
            let patched = try await admin.patch("/api/groups/\(id)/", ["name": "Renamed", "users": ["Test", "Example3"]])
            #expect(patched.status == 200, "\(patched.text)")
            #expect(patched.object["users"] as? [String] == ["Test", "Example3"])
            #expect(patched.object["description"] as? String == "A group for testing purposes")
            #expect(patched.object["permissions"] as? [Int] == chosen)
            #expect(try await admin.patch("/api/groups/\(id)/", ["description": NSNull()]).object["description"] is NSNull)

            // The default groups can change but not be renamed or deleted.
            #expect((try await errors("PATCH", "/api/groups/2/", ["name": "Readers"]))["name"] as? [String]
                == ["The default groups cannot be renamed."])
            let keep = try await admin.delete("/api/groups/1/")
            #expect(keep.status == 400 && keep.detail == "The default groups cannot be deleted.")

            // NAS groups get gids from 100000.
            let nas = try await admin.patch("/api/groups/\(id)/", ["nas_group": true])
            #expect((nas.object["nas_group"] as? [String: Any])?["gid"] as? Int == 100000)

            // my-permissions: through groups, and object-level.
            let member = hub.api.bearer(try await hub.login("Test", "Us3r-Pa55word!").access)
            let objectGrant = try await admin.post("/api/groups/", [
                "name": "Site 1 editors", "users": ["Test"],
                "object_permissions": [["model": "group", "object_pk": "\(id)", "permission": ids["change_group"] ?? 0]],
            ])
            #expect(objectGrant.status == 201, "\(objectGrant.text)")
            let mine = try await member.get("/api/my-permissions/")
            #expect(mine.status == 200)
            let fromGroups = Set((mine.object["group_permissions"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int })
            #expect(fromGroups == views.union(chosen))
            #expect(mine.object["user_permissions"] as? [Any] != nil)
            let objectEntry = try #require((mine.object["group_object_permissions"] as? [[String: Any]])?.first)
            #expect(objectEntry["codename"] as? String == "change_group" && objectEntry["object_pk"] as? String == "\(id)")
            #expect(objectEntry["app_label"] as? String == "auth" && objectEntry["name"] as? String == "Can change group")

            // The object permission opens PATCH on that group only.
            #expect(try await member.patch("/api/groups/\(id)/", ["description": "edited by a member"]).status == 200)
            #expect(try await member.patch("/api/groups/2/", ["description": "no"]).status == 403)
            #expect(try await member.delete("/api/groups/\(id)/").status == 403)
            // ...and cannot be used to grant what the member does not hold.
            #expect(try await member.patch("/api/groups/\(id)/", ["permissions": [ids["delete_user"] ?? 0]]).status == 403)

            // Delete: 204, then 404; its members lose its permissions.
            #expect(try await admin.delete("/api/groups/\(id)/").status == 204)
            #expect(try await admin.get("/api/groups/\(id)/").detail == "No Group matches the given query.")
            let after = try await member.get("/api/my-permissions/")
            let remaining = Set((after.object["group_permissions"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int })
            #expect(remaining == views)
            return ["Us3r-Pa55word!"]
        }
    }
}
