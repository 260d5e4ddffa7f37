import Hummingbird
import Postgres
import Shared

/// What sites report, read-only (manual L21450-21631, L23928-24059, L24872-25027): `/api/filesystems/`,
/// `/api/filesets/`, `/api/storagepools/`, `/api/servers/`. Filled by `site_inventory` (refresh and the
/// periodic housekeeping round). The representations carry no `id`, as the manual's do.
struct InventoryController: Sendable {
    let pool: PostgresPool
    let publicURL: PublicURL

    private struct Resource {
        var path: String
        var model: String
        var name: String
        var select: String
        /// The table's alias in `select`, for the detail lookup.
        var alias: String
        var json: @Sendable (PostgresRow) throws -> JSON
    }

    private static let resources: [Resource] = [
        Resource(
            path: "filesystems", model: "filesystem", name: "Filesystem",
            select: "SELECT f.id, f.name, s.name AS site, f.mountpoint FROM filesystems f JOIN sites s ON s.id = f.site_id",
            alias: "f",
            json: { row in
                [
                    "name": .string(try row.decode(String.self, "name")), "site": .string(try row.decode(String.self, "site")),
                    "mountpoint": .string(try row.decode(String.self, "mountpoint")),
                ]
            }),
        Resource(
            path: "storagepools", model: "storagepool", name: "StoragePool",
            select: "SELECT p.* FROM storagepools p", alias: "p",
            json: { row in
                [
                    "name": .string(try row.decode(String.self, "name")), "filesystem": .string(try row.decode(String.self, "filesystem")),
                    "site": .int(try row.decode(Int64.self, "site_id")), "capacity": .int(try row.decode(Int64.self, "capacity")),
                    "used_space": .int(try row.decode(Int64.self, "used_space")),
                    "free_space": .int(try row.decode(Int64.self, "free_space")),
                    "is_default": .bool(try row.decode(Bool.self, "is_default")),
                ]
            }),
        Resource(
            path: "servers", model: "server", name: "Server",
            select: "SELECT v.id, v.name, v.site_id, v.list_of_interfaces::text AS interfaces FROM servers v", alias: "v",
            json: { row in
                [
                    "name": .string(try row.decode(String.self, "name")), "site": .int(try row.decode(Int64.self, "site_id")),
                    "list_of_interfaces": JSON(try WireCoding.decode(JSONValue.self, from: Array(try row.decode(String.self, "interfaces").utf8))),
                ]
            }),
    ]

    func addRoutes(to api: APIRouter) {
        for resource in Self.resources {
            let pool = self.pool
            let base = publicURL
            api.get(
                "/api/\(resource.path)/", access: .model(resource.model), tag: resource.path,
                summary: "List \(resource.path) as the sites reported them.", paginated: true
            ) { request, context in
                try await Paginated.respond(request, context, base: base, count: {
                    try await pool.query("SELECT count(*) AS n FROM \(resource.path)").decodeColumn(Int.self, "n").first ?? 0
                }) { limit, offset in
                    try await pool.query(resource.select + " ORDER BY 1 LIMIT $1 OFFSET $2", [limit.map { .int($0) }, .int(offset)])
                        .map(resource.json)
                }
            }
            api.get("/api/\(resource.path)/{id}/", access: .model(resource.model), tag: resource.path, summary: "One of \(resource.path).") {
                _, context in
                guard let text = context.pathParameter("id"), let id = Int64(text),
                    let row = try await pool.query(resource.select + " WHERE \(resource.alias).id = $1", [.int64(id)]).first
                else { throw APIError.notFound(resource.name) }
                return JSONResponse(try resource.json(row))
            }
        }
        api.get(
            "/api/filesets/", access: .model("fileset"), tag: "filesets", summary: "A site's filesets (not paginated).",
            query: [.string("site", required: true, "The site's name.")]
        ) { request, _ in
            guard let site = QueryString(request.uri.query)["site"], !site.isEmpty else {
                throw APIError.invalid("site", "This field is required.")
            }
            let rows = try await pool.query(
                """
                SELECT f.name, f.path, f.filesystem, s.name AS site FROM filesets f JOIN sites s ON s.id = f.site_id
                WHERE s.name = $1 ORDER BY f.filesystem, f.name
                """, [.string(site)])
            return JSONResponse(
                .array(
                    try rows.map { row in
                        let name = try row.decode(String.self, "name")
                        return [
                            "path": JSON(try row.decode(String?.self, "path")), "site": .string(try row.decode(String.self, "site")),
                            "name": .string(name), "label": .string(name), "filesystem": .string(try row.decode(String.self, "filesystem")),
                        ]
                    }))
        }
    }
}
