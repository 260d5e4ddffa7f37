import HTTPTypes
import Hummingbird
import Synchronization

/// One registered route, as the permission check, the route-permission test and the OpenAPI document see it.
struct RouteSpec: Sendable, Equatable {
    var method: HTTPRequest.Method
    /// The path with `{name}` parameters and a trailing slash, e.g. `/api/users/{username}/`.
    var path: String
    var access: RouteAccess
    var credentials: AcceptedCredentials = .any
    /// OpenAPI tag (the resource's name, e.g. `users`).
    var tag: String
    var summary: String
    /// The success status (201 on create, 204 on delete...).
    var status: Int
    /// Whether the response is the `{count, next, previous, results}` envelope.
    var paginated: Bool = false
    var query: [FieldDoc] = []
    var body: [FieldDoc] = []

    /// `{name}` segments of the path, in order.
    var pathParameters: [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
    }

    /// The path parameter that identifies the object for object permissions (`{id}`), if any.
    var objectParameter: String? { pathParameters.contains("id") ? "id" : nil }

    /// Whether a concrete request path (`/api/users/bob/` or without the slash) matches this route.
    func matches(path requestPath: String) -> Bool {
        let mine = path.split(separator: "/")
        let theirs = requestPath.split(separator: "/")
        guard mine.count == theirs.count else { return false }
        return zip(mine, theirs).allSatisfy { pattern, segment in
            (pattern.hasPrefix("{") && pattern.hasSuffix("}")) || pattern == segment
        }
    }
}

/// A documented request field or query parameter.
struct FieldDoc: Sendable, Equatable {
    var name: String
    /// OpenAPI type: string, integer, boolean, array, object.
    var type: String
    var required: Bool = false
    var description: String = ""
    /// For arrays: the items' type.
    var items: String? = nil

    static func string(_ name: String, required: Bool = false, _ description: String = "") -> FieldDoc {
        FieldDoc(name: name, type: "string", required: required, description: description)
    }
    static func integer(_ name: String, required: Bool = false, _ description: String = "") -> FieldDoc {
        FieldDoc(name: name, type: "integer", required: required, description: description)
    }
    static func boolean(_ name: String, required: Bool = false, _ description: String = "") -> FieldDoc {
        FieldDoc(name: name, type: "boolean", required: required, description: description)
    }
    static func object(_ name: String, required: Bool = false, _ description: String = "") -> FieldDoc {
        FieldDoc(name: name, type: "object", required: required, description: description)
    }
    static func array(_ name: String, of items: String, required: Bool = false, _ description: String = "") -> FieldDoc {
        FieldDoc(name: name, type: "array", required: required, description: description, items: items)
    }

    /// `page` and `page_size`, on every paginated list.
    static let pagination: [FieldDoc] = [
        .integer("page", "Page number, 1 if absent; `last` for the last page."),
        .integer("page_size", "Rows per page, 20 to 100 (below 20 gives 20, above 100 gives 100); 0 returns every row."),
    ]
}

/// Every route the API has registered. Filled while the router is built, read by the OpenAPI document,
/// the docs page and the 405 check; shared by reference so that routes added later are seen too.
final class RouteRegistry: Sendable {
    private let specs = Mutex<[RouteSpec]>([])

    func append(_ spec: RouteSpec) { specs.withLock { $0.append(spec) } }

    var all: [RouteSpec] { specs.withLock { $0 } }

    /// The methods registered for a concrete request path (for 405 and `Allow`).
    func methods(matching path: String) -> [String] {
        all.filter { $0.matches(path: path) }.map(\.method.rawValue)
    }
}
