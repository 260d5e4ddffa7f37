import Hummingbird
import Postgres

/// `/api/features/` (manual L24264-24398, L11419-11511): preview feature flags, all off by default. Flags
/// are not created through the API; an unknown name is a 404.
struct FeaturesController: Sendable {
    let pool: PostgresPool
    let publicURL: PublicURL

    func addRoutes(to api: APIRouter) {
        let tag = "features"
        api.get("/api/features/", access: .model("feature"), tag: tag, summary: "List feature flags.", paginated: true) {
            request, context in
            try await Paginated.respond(request, context, base: publicURL, count: {
                try await pool.query("SELECT count(*) AS n FROM features").decodeColumn(Int.self, "n").first ?? 0
            }) { limit, offset in
                try await pool.query("SELECT * FROM features ORDER BY name LIMIT $1 OFFSET $2", [limit.map { .int($0) }, .int(offset)])
                    .map(Self.json)
            }
        }
        api.get("/api/features/{name}/", access: .model("feature"), tag: tag, summary: "One feature flag.") { _, context in
            JSONResponse(try await find(context))
        }
        api.patch(
            "/api/features/{name}/", access: .model("feature"), tag: tag, summary: "Enable or disable a feature flag.",
            body: [.boolean("enabled", required: true)]
        ) { request, context in
            _ = try await find(context)
            var reader = try await RequestJSON.fields(request)
            let enabled = reader.bool("enabled", required: true)
            try reader.validate()
            guard let enabled, let name = context.pathParameter("name") else { throw APIError.notFound("Feature") }
            _ = try await pool.execute("UPDATE features SET enabled = $2 WHERE name = $1", [.string(name), .bool(enabled)])
            return JSONResponse(try await find(context))
        }
    }

    private func find(_ context: HubRequestContext) async throws -> JSON {
        guard let name = context.pathParameter("name"),
            let row = try await pool.query("SELECT * FROM features WHERE name = $1", [.string(name)]).first
        else { throw APIError.notFound("Feature") }
        return try Self.json(row)
    }

    static func json(_ row: PostgresRow) throws -> JSON {
        [
            "name": .string(try row.decode(String.self, "name")),
            "description": .string(try row.decode(String.self, "description")),
            "enabled": .bool(try row.decode(Bool.self, "enabled")),
        ]
    }
}
