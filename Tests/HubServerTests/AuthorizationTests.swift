import HTTPTypes
import Testing

@testable import HubServer

@Suite struct AuthorizationTests {
    static let reader = Identity(
        userID: 5, username: "reader", isSuperuser: false, groupIDs: [2], permissions: ["view_user", "view_health"],
        objectPermissions: ["change_group": ["7"]], method: .accessToken)
    static let admin = Identity(userID: 1, username: "admin", isSuperuser: false, groupIDs: [1], permissions: [], method: .accessToken)

    @Test func modelPermissionsFollowTheMethod() {
        #expect(RouteAccess.codename(model: "site", method: "GET") == "view_site")
        #expect(RouteAccess.codename(model: "site", method: "POST") == "add_site")
        #expect(RouteAccess.codename(model: "site", method: "PATCH") == "change_site")
        #expect(RouteAccess.codename(model: "site", method: "DELETE") == "delete_site")
        #expect(Self.reader.allows(.model("user"), method: "GET"))
        #expect(!Self.reader.allows(.model("user"), method: "POST"))
        #expect(Self.reader.allows(.permission("view_health"), method: "GET"))
        #expect(!Self.reader.allows(.administrator, method: "GET"))
        #expect(Self.reader.allows(.authenticated, method: "DELETE"))
    }

    @Test func administratorsPassEverything() {
        for access: RouteAccess in [.model("site"), .permission("view_health"), .administrator, .modelOrSelf("user", parameter: "username")] {
            for method in ["GET", "POST", "PATCH", "DELETE"] { #expect(Self.admin.allows(access, method: method)) }
        }
        #expect(Identity(userID: 9, username: "root", isSuperuser: true, groupIDs: [], permissions: [], method: .accessToken).isAdministrator)
    }

    @Test func selfAndObjectPermissions() {
        let access = RouteAccess.modelOrSelf("user", parameter: "username")
        #expect(Self.reader.allows(access, method: "PATCH", parameter: { $0 == "username" ? "reader" : nil }))
        #expect(!Self.reader.allows(access, method: "PATCH", parameter: { $0 == "username" ? "other" : nil }))
        #expect(Self.reader.allows(.model("group"), method: "PATCH", objectID: "7"))
        #expect(!Self.reader.allows(.model("group"), method: "PATCH", objectID: "8"))
        #expect(!Self.reader.allows(.model("group"), method: "DELETE", objectID: "7"))
    }

    @Test func routeSpecsMatchConcretePaths() {
        let spec = RouteSpec(
            method: .get, path: "/api/users/{username}/", access: .model("user"), tag: "users", summary: "", status: 200)
        #expect(spec.matches(path: "/api/users/bob/") && spec.matches(path: "/api/users/bob"))
        #expect(!spec.matches(path: "/api/users/") && !spec.matches(path: "/api/users/bob/activate/"))
        #expect(spec.pathParameters == ["username"] && spec.objectParameter == nil)
        #expect(APIRouter.hummingbirdPath("/api/groups/{id}/") == "/api/groups/:id")
    }
}

@Suite struct PublicURLTests {
    @Test func onlyPlausibleHostsBecomeLinkBases() {
        for host in ["hub", "hub.example.com:8000", "10.0.0.1:8000", "[::1]:8000", "127.0.0.1"] {
            #expect(PublicURL.isPlausibleHost(host), "\(host)")
        }
        for host in ["", "evil.com/path", "a b", "x\"y", "host?q", "user@host", String(repeating: "a", count: 300)] {
            #expect(!PublicURL.isPlausibleHost(host), "\(host)")
        }
    }
}
