import Hummingbird

/// `/api/schema/` (OpenAPI 3) and `/api/docs/` (HTML), both public, both generated at request time from
/// the route registry.
struct SchemaController: Sendable {
    let registry: RouteRegistry
    let publicURL: PublicURL

    func addRoutes(to api: APIRouter) {
        api.get("/api/schema/", access: .public, tag: "schema", summary: "This API as an OpenAPI 3 document.") { request, _ in
            JSONResponse(OpenAPIDocument.build(routes: registry.all, serverURL: publicURL.base(for: request)))
        }
        api.get("/api/docs/", access: .public, tag: "schema", summary: "This API as a browsable page.") { request, _ in
            let html = APIDocsPage.render(routes: registry.all, serverURL: publicURL.base(for: request))
            return Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8", .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'"],
                body: .init(byteBuffer: .init(string: html)))
        }
    }
}
