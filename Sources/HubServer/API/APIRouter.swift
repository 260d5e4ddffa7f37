import HTTPTypes
import Hummingbird

/// Registers the API's routes on a Hummingbird router, wrapping every handler with the permission check
/// and recording each route's `RouteSpec`. Controllers get only this, never the bare router, so every
/// route passes through `Authorization.check`. Used only while the router is built (single-threaded).
final class APIRouter {
    private let router: Router<HubRequestContext>
    let registry: RouteRegistry

    init(router: Router<HubRequestContext>, registry: RouteRegistry) {
        self.router = router
        self.registry = registry
    }

    /// Adds a route. `path` is written as documented (`/api/users/{username}/`); both the form with and
    /// without the trailing slash are served.
    func add<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method, _ path: String, access: RouteAccess, credentials: AcceptedCredentials = .any,
        tag: String, summary: String, status: HTTPResponse.Status? = nil, paginated: Bool = false,
        query: [FieldDoc] = [], body: [FieldDoc] = [],
        handler: @escaping @Sendable (Request, HubRequestContext) async throws -> Output
    ) {
        precondition(path.hasPrefix("/api/") && path.hasSuffix("/"), "API paths start with /api/ and end with a slash: \(path)")
        let success = status ?? Self.defaultStatus(method)
        let spec = RouteSpec(
            method: method, path: path, access: access, credentials: credentials, tag: tag, summary: summary,
            status: Int(success.code), paginated: paginated, query: paginated ? FieldDoc.pagination + query : query,
            body: body)
        registry.append(spec)
        router.on(RouterPath(Self.hummingbirdPath(path)), method: method) { request, context in
            try Authorization.check(spec, context: context)
            return try await handler(request, context)
        }
    }

    func get<Output: ResponseGenerator>(
        _ path: String, access: RouteAccess, tag: String, summary: String, paginated: Bool = false,
        query: [FieldDoc] = [], handler: @escaping @Sendable (Request, HubRequestContext) async throws -> Output
    ) { add(.get, path, access: access, tag: tag, summary: summary, paginated: paginated, query: query, handler: handler) }

    func post<Output: ResponseGenerator>(
        _ path: String, access: RouteAccess, credentials: AcceptedCredentials = .any, tag: String, summary: String,
        status: HTTPResponse.Status = .created, body: [FieldDoc] = [],
        handler: @escaping @Sendable (Request, HubRequestContext) async throws -> Output
    ) {
        add(.post, path, access: access, credentials: credentials, tag: tag, summary: summary, status: status, body: body,
            handler: handler)
    }

    func patch<Output: ResponseGenerator>(
        _ path: String, access: RouteAccess, credentials: AcceptedCredentials = .any, tag: String, summary: String,
        body: [FieldDoc] = [], handler: @escaping @Sendable (Request, HubRequestContext) async throws -> Output
    ) { add(.patch, path, access: access, credentials: credentials, tag: tag, summary: summary, body: body, handler: handler) }

    func delete<Output: ResponseGenerator>(
        _ path: String, access: RouteAccess, credentials: AcceptedCredentials = .any, tag: String, summary: String,
        handler: @escaping @Sendable (Request, HubRequestContext) async throws -> Output
    ) { add(.delete, path, access: access, credentials: credentials, tag: tag, summary: summary, handler: handler) }

    static func defaultStatus(_ method: HTTPRequest.Method) -> HTTPResponse.Status {
        switch method {
        case .post: .created
        case .delete: .noContent
        default: .ok
        }
    }

    /// `/api/users/{username}/` -> `/api/users/:username` (Hummingbird matches with or without the slash).
    static func hummingbirdPath(_ path: String) -> String {
        var parts: [String] = []
        for component in path.split(separator: "/") {
            if component.hasPrefix("{"), component.hasSuffix("}") {
                parts.append(":" + component.dropFirst().dropLast())
            } else {
                parts.append(String(component))
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
