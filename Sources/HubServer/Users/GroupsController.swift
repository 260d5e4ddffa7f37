import Hummingbird

/// `/api/groups/` (manual L20222-20671).
struct GroupsController: Sendable {
    let groups: GroupStore
    let publicURL: PublicURL

    func addRoutes(to api: APIRouter) {
        let tag = "groups"
        let fields: [FieldDoc] = [
            .string("description"),
            .array("users", of: "string", "Usernames; replaces the membership."),
            .array("permissions", of: "integer", "Permission ids; replaces the group's permissions."),
            .array("object_permissions", of: "object", "{model, object_pk, permission (id)}; replaces them."),
            .boolean("nas_group", "Also a NAS group on every site (a gid is allocated from 100000)."),
        ]
        api.get("/api/groups/", access: .model("group"), tag: tag, summary: "List groups, by id.", paginated: true) {
            request, context in
            try await Paginated.respond(request, context, base: publicURL, count: { try await groups.count() }) { limit, offset in
                try await groups.list(limit: limit, offset: offset).map(\.json)
            }
        }
        api.post(
            "/api/groups/", access: .model("group"), tag: tag, summary: "Create a group.",
            body: [.string("name", required: true, "Unique, at most 150 characters.")] + fields
        ) { request, context in
            var reader = try await RequestJSON.fields(request)
            let input = GroupInput.read(&reader, creating: true)
            try reader.validate()
            try checkGrant(input, group: nil, by: try context.requireIdentity())
            return JSONResponse(status: .created, try await groups.create(input).writeJSON)
        }
        api.get("/api/groups/{id}/", access: .model("group"), tag: tag, summary: "A group with its members and permissions.") {
            _, context in JSONResponse(try await load(context).json)
        }
        api.patch(
            "/api/groups/{id}/", access: .model("group"), tag: tag, summary: "Change a group; lists given replace the stored ones.",
            body: [.string("name")] + fields
        ) { request, context in
            let group = try await load(context)
            var reader = try await RequestJSON.fields(request)
            let input = GroupInput.read(&reader, creating: false)
            try reader.validate()
            try checkGrant(input, group: group, by: try context.requireIdentity())
            return JSONResponse(try await groups.update(id: group.id, input).writeJSON)
        }
        api.delete("/api/groups/{id}/", access: .model("group"), tag: tag, summary: "Delete a custom group (not Administrators or Users).") {
            _, context in
            let group = try await load(context)
            guard try await groups.delete(id: group.id) else { throw APIError.notFound("Group") }
            return JSONResponse.noContent
        }
    }

    private func load(_ context: HubRequestContext) async throws -> GroupRecord {
        guard let text = context.pathParameter("id"), let id = Int64(text), let group = try await groups.find(id: id) else {
            throw APIError.notFound("Group")
        }
        return group
    }

    /// Without being an administrator, `add_group`/`change_group` must not become a way up: such a caller
    /// cannot touch the Administrators group and can grant only permissions they hold themselves.
    private func checkGrant(_ input: GroupInput, group: GroupRecord?, by identity: Identity) throws {
        if identity.isAdministrator { return }
        if group?.id == Identity.administratorsGroupID { throw APIError.permissionDenied }
        let catalogue = Dictionary(uniqueKeysWithValues: PermissionCatalogue.all.map { ($0.id, $0.codename) })
        for id in input.permissions ?? [] {
            guard let codename = catalogue[id] else { continue }
            if !identity.has(codename) { throw APIError.permissionDenied }
        }
        for entry in input.objectPermissions ?? [] {
            guard let codename = catalogue[entry.permission] else { continue }
            if !identity.has(codename, objectID: entry.object_pk) { throw APIError.permissionDenied }
        }
    }
}
