import Hummingbird
import Postgres

/// `/api/permissions/` (the catalogue, manual L20092-20220) and `/api/my-permissions/` (the caller's own,
/// L20012-20090).
struct PermissionsController: Sendable {
    let pool: PostgresPool
    let publicURL: PublicURL

    private static let columns = "p.id, p.name, p.app_label, p.codename, p.model"

    private static func json(_ row: PostgresRow, objectPK: Bool = false) throws -> JSON {
        var members: [JSON.Member] = [
            .init(key: "id", value: .int(try row.decode(Int64.self, "id"))),
            .init(key: "name", value: .string(try row.decode(String.self, "name"))),
            .init(key: "app_label", value: .string(try row.decode(String.self, "app_label"))),
            .init(key: "codename", value: .string(try row.decode(String.self, "codename"))),
            .init(key: "model", value: .string(try row.decode(String.self, "model"))),
        ]
        if objectPK { members.append(.init(key: "object_pk", value: .string(try row.decode(String.self, "object_pk")))) }
        return .object(members)
    }

    func addRoutes(to api: APIRouter) {
        api.get("/api/permissions/", access: .model("permission"), tag: "permissions", summary: "Every permission, by id.", paginated: true) {
            request, context in
            try await Paginated.respond(
                request, context, base: publicURL,
                count: { try await pool.query("SELECT count(*) AS n FROM auth_permission", []).first?.decode(Int.self, "n") ?? 0 }
            ) { limit, offset in
                try await pool.query(
                    "SELECT \(Self.columns) FROM auth_permission p ORDER BY p.id LIMIT $1 OFFSET $2", [limit.map { .int($0) }, .int(offset)]
                ).map { try Self.json($0) }
            }
        }
        api.get("/api/permissions/{id}/", access: .model("permission"), tag: "permissions", summary: "One permission.") { _, context in
            guard let text = context.pathParameter("id"), let id = Int(text),
                let row = try await pool.query("SELECT \(Self.columns) FROM auth_permission p WHERE p.id = $1", [.int(id)]).first
            else { throw APIError.notFound("Permission") }
            return JSONResponse(try Self.json(row))
        }
        // The manual's guide shows an object (L20058-20090); the reference's "bare array" is a generator
        // artefact (its four keys are the object's members).
        api.get(
            "/api/my-permissions/", access: .authenticated, tag: "my-permissions",
            summary: "Your permissions: through groups, direct, and object-level."
        ) { _, context in
            let user = try context.requireIdentity().userID
            async let group = pool.query(
                """
                SELECT DISTINCT \(Self.columns) FROM auth_permission p JOIN auth_group_permissions gp ON gp.permission_id = p.id
                JOIN auth_user_groups ug ON ug.group_id = gp.group_id WHERE ug.user_id = $1 ORDER BY p.id
                """, [.int64(user)])
            async let direct = pool.query(
                """
                SELECT \(Self.columns) FROM auth_permission p JOIN auth_user_permissions up ON up.permission_id = p.id
                WHERE up.user_id = $1 ORDER BY p.id
                """, [.int64(user)])
            async let groupObject = pool.query(
                """
                SELECT DISTINCT \(Self.columns), o.object_pk FROM auth_permission p
                JOIN auth_group_object_permissions o ON o.permission_id = p.id
                JOIN auth_user_groups ug ON ug.group_id = o.group_id WHERE ug.user_id = $1 ORDER BY p.id, o.object_pk
                """, [.int64(user)])
            async let userObject = pool.query(
                """
                SELECT \(Self.columns), o.object_pk FROM auth_permission p JOIN auth_user_object_permissions o ON o.permission_id = p.id
                WHERE o.user_id = $1 ORDER BY p.id, o.object_pk
                """, [.int64(user)])
            return JSONResponse([
                "group_permissions": .array(try await group.map { try Self.json($0) }),
                "user_permissions": .array(try await direct.map { try Self.json($0) }),
                "group_object_permissions": .array(try await groupObject.map { try Self.json($0, objectPK: true) }),
                "user_object_permissions": .array(try await userObject.map { try Self.json($0, objectPK: true) }),
            ])
        }
    }
}
