import Foundation
import Testing

/// The REST conventions every endpoint shares (spec/05 section 1): pagination, absolute URLs, status codes,
/// DRF error bodies, JSON handling, the body size limit, and the API description.
@Suite struct APIConventionTests {
    @Test func paginationEnvelopeAndLinks() async throws {
        try await withTestHub(environment: ["NGENEAHUB_MAX_BODY_BYTES": "4096"]) { hub in
            let admin = try await hub.admin()
            // 25 more users straight into the database (the API path is covered elsewhere): 26 in all.
            let inserted = try await runTool(
                "/usr/bin/env",
                ["psql", hub.database.url, "-qc", "INSERT INTO auth_user (username, password) SELECT 'user' || lpad(g::text, 2, '0'), '!' FROM generate_series(1, 25) g"])
            #expect(inserted.status == 0, "\(inserted.output)")

            func page(_ query: String) async throws -> HTTP.Response { try await admin.get("/api/users/" + query) }
            func names(_ response: HTTP.Response) -> [String] {
                (response.object["results"] as? [[String: Any]])?.compactMap { $0["username"] as? String } ?? []
            }

            let first = try await page("")
            #expect(first.object["count"] as? Int == 26 && names(first).count == 20)
            #expect(names(first).first == "admin" && names(first)[1] == "user01")
            #expect(pathOf(first.object["next"]) == "/api/users/?page=2" && first.object["previous"] is NSNull)
            #expect((first.object["next"] as? String)?.hasPrefix(hub.url) == true, "links are absolute")
            let second = try await page("?page=2")
            #expect(names(second) == (20...25).map { String(format: "user%02d", $0) })
            #expect(second.object["next"] is NSNull && pathOf(second.object["previous"]) == "/api/users/")

            // page_size: 1 is raised to 20, 500 lowered to 100, 0 returns everything in the envelope.
            #expect(names(try await page("?page_size=1")).count == 20)
            let all = try await page("?page_size=0")
            #expect(names(all).count == 26 && all.object["next"] is NSNull && all.object["previous"] is NSNull)
            let capped = try await admin.get("/api/permissions/?page_size=500")
            #expect((capped.object["results"] as? [Any])?.count == 100)
            #expect(pathOf(capped.object["next"]) == "/api/permissions/?page=2&page_size=500")
            let sized = try await page("?page_size=25")
            #expect(names(sized).count == 25 && pathOf(sized.object["next"]) == "/api/users/?page=2&page_size=25")

            // Past the end, zero, junk: DRF's 404.
            for query in ["?page=3", "?page=0", "?page=-1", "?page=abc", "?page=2&page_size=0"] {
                let invalid = try await page(query)
                #expect(invalid.status == 404 && invalid.text == #"{"detail":"Invalid page."}"#, "\(query): \(invalid.text)")
            }
            #expect(names(try await page("?page=last")).count == 6)

            // Links keep the other parameters, sorted, and replace only page.
            let kept = try await page("?zeta=1&alpha=two%20words&page=1")
            #expect(pathOf(kept.object["next"]) == "/api/users/?alpha=two%20words&page=2&zeta=1")
            let back = try await page("?zeta=1&page=2")
            #expect(pathOf(back.object["previous"]) == "/api/users/?zeta=1")
            return []
        }
    }

    @Test func statusCodesErrorsAndJSONHandling() async throws {
        try await withTestHub(environment: ["NGENEAHUB_MAX_BODY_BYTES": "4096"]) { hub in
            let admin = try await hub.admin()

            // Trailing slash optional; unknown routes and objects are DRF 404s; other methods 405.
            #expect(try await admin.get("/api/users").status == 200)
            let unknown = try await admin.get("/api/nonesuch/")
            #expect(unknown.status == 404 && unknown.text == #"{"detail":"Not found."}"#)
            #expect(try await admin.get("/api/groups/4242/").text == #"{"detail":"No Group matches the given query."}"#)
            #expect(try await admin.get("/api/groups/abc/").status == 404)
            let put = try await admin.send("PUT", "/api/users/", json: [:])
            #expect(put.status == 405 && put.detail == "Method \"PUT\" not allowed.")
            #expect(put.header("Allow")?.contains("GET") == true && put.header("Allow")?.contains("POST") == true)

            // Create 201 with an absolute url, delete 204 with no body.
            let created = try await admin.post("/api/groups/", ["name": "Conventions"])
            #expect(created.status == 201)
            let url = try #require(created.object["id"] as? Int).description
            let deleted = try await admin.delete("/api/groups/\(url)/")
            #expect(deleted.status == 204 && deleted.body.isEmpty)
            let user = try await admin.post("/api/users/", ["username": "u1", "password": "Us3r-Pa55word!"])
            #expect((user.object["url"] as? String) == hub.url + "/api/users/u1/")

            // Malformed JSON, a non-object body, wrong types, unknown fields, other media types.
            let malformed = try await admin.send("POST", "/api/groups/", body: Data(#"{"name": "x",,}"#.utf8))
            #expect(malformed.status == 400 && malformed.detail?.hasPrefix("JSON parse error") == true, "\(malformed.text)")
            let list = try await admin.send("POST", "/api/groups/", body: Data("[1, 2]".utf8))
            #expect(list.status == 400 && list.object["non_field_errors"] as? [String] == ["Invalid data. Expected a dictionary, but got list."])
            let wrongType = try await admin.post("/api/groups/", ["name": ["not", "a", "string"]])
            #expect(wrongType.status == 400 && wrongType.object["name"] as? [String] == ["Not a valid string."])
            let extra = try await admin.post("/api/groups/", ["name": "Extra", "colour": "blue", "id": 999])
            #expect(extra.status == 201 && extra.object["colour"] == nil && extra.object["id"] as? Int != 999)
            let text = try await admin.send("POST", "/api/groups/", body: Data("name=x".utf8), headers: ["Content-Type": "text/plain"])
            #expect(text.status == 415, "\(text.text)")
            // An empty body is an empty object (actions are posted with -d '').
            let empty = try await admin.send("POST", "/api/groups/", body: Data(), headers: ["Content-Type": "application/x-www-form-urlencoded"])
            #expect(empty.status == 400 && empty.object["name"] as? [String] == ["This field is required."])

            // Bodies over the limit: 413, before any authentication or parsing.
            let large = Data(("{\"name\": \"" + String(repeating: "x", count: 5000) + "\"}").utf8)
            let tooLarge = try await admin.send("POST", "/api/groups/", body: large)
            #expect(tooLarge.status == 413 && tooLarge.detail == "Request body is too large.")
            #expect(try await hub.api.send("POST", "/api/auth/token/", body: large).status == 413)

            // The API description: public, generated from the routes.
            let schema = try await hub.api.get("/api/schema/")
            #expect(schema.status == 200 && (schema.object["openapi"] as? String)?.hasPrefix("3.") == true)
            let paths = try #require(schema.object["paths"] as? [String: [String: Any]])
            #expect(paths["/api/users/{username}/"]?["patch"] != nil && paths["/api/health/"]?["get"] != nil)
            let health = paths["/api/health/"]?["get"] as? [String: Any]
            #expect(health?["x-permission"] as? String == "view_health")
            let docs = try await hub.api.get("/api/docs/")
            #expect(docs.status == 200 && docs.header("Content-Type")?.hasPrefix("text/html") == true)
            for path in paths.keys { #expect(docs.text.contains(path), "the docs page lacks \(path)") }
            // Nothing loaded from elsewhere.
            #expect(!docs.text.contains("<script") && !docs.text.contains("src=") && !docs.text.contains("<link"))
            #expect(!docs.text.contains("https://"))
            return ["Us3r-Pa55word!"]
        }
    }
}
