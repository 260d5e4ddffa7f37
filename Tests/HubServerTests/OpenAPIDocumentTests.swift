import HTTPTypes
import Testing

@testable import HubServer

@Suite struct OpenAPIDocumentTests {
    static let routes = [
        RouteSpec(method: .post, path: "/api/auth/token/", access: .public, tag: "auth", summary: "Token.", status: 200,
                  body: [.string("username", required: true), .string("password", required: true)]),
        RouteSpec(method: .get, path: "/api/groups/{id}/", access: .model("group"), tag: "groups", summary: "A group.", status: 200),
        RouteSpec(method: .delete, path: "/api/auth/clientkeys/{id}/", access: .model("clientkey"), credentials: .accessToken,
                  tag: "auth", summary: "Revoke.", status: 204),
    ]

    @Test func everyRouteIsDescribedWithItsPermission() throws {
        let document = OpenAPIDocument.build(routes: Self.routes, serverURL: "http://hub:8000")
        #expect(document["openapi"] == .string("3.0.3"))
        let token = try #require(document["paths"]?["/api/auth/token/"]?["post"])
        #expect(token["security"] == .array([]))
        #expect(token["requestBody"]?["content"]?["application/json"]?["schema"]?["required"] == ["username", "password"])
        let group = try #require(document["paths"]?["/api/groups/{id}/"]?["get"])
        #expect(group["x-permission"] == .string("view_group"))
        #expect(group["responses"]?["401"] != nil && group["responses"]?["403"] != nil && group["responses"]?["404"] != nil)
        let revoke = try #require(document["paths"]?["/api/auth/clientkeys/{id}/"]?["delete"])
        #expect(revoke["security"] == [["jwt": []]])
        #expect(revoke["responses"]?["204"] != nil)
    }

    @Test func theDocsPageIsSelfContainedAndEscaped() {
        let html = APIDocsPage.render(routes: Self.routes + [
            RouteSpec(method: .get, path: "/api/x/", access: .public, tag: "x", summary: "<script>alert(1)</script>", status: 200)
        ], serverURL: "http://hub:8000")
        #expect(html.contains("/api/groups/{id}/") && html.contains("view_group"))
        #expect(!html.contains("<script>") && html.contains("&lt;script&gt;"))
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("@import"))
    }
}
