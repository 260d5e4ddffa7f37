import Hummingbird

/// `/api/auth/clientkeys/` (manual L19091-19244, xref L18748-18915): long-lived keys for scripts.
/// Administrators see every key, other users their own (AMB-06). Creating and revoking need a JWT.
struct ClientKeysController: Sendable {
    let keys: ClientKeyStore
    let publicURL: PublicURL

    /// Whose keys the caller may see: nil = all.
    private func scope(_ identity: Identity) -> Int64? { identity.isAdministrator ? nil : identity.userID }

    func addRoutes(to api: APIRouter) {
        let tag = "auth"
        api.get(
            "/api/auth/clientkeys/", access: .model("clientkey"), tag: tag,
            summary: "List client keys (administrators: all; others: their own). The keys themselves are never shown.",
            paginated: true
        ) { request, context in
            let owner = scope(try context.requireIdentity())
            return try await Paginated.respond(request, context, base: publicURL, count: { try await keys.count(owner: owner) }) {
                limit, offset in
                try await keys.list(owner: owner, limit: limit, offset: offset).map { $0.json(base: publicURL.base(for: request)) }
            }
        }
        api.post(
            "/api/auth/clientkeys/", access: .model("clientkey"), credentials: .accessToken, tag: tag,
            summary: "Create a client key for yourself. The api_key is in this response only: store it.",
            body: [.string("name", required: true, "A name for the key (at most 50 characters).")]
        ) { request, context in
            let identity = try context.requireIdentity()
            var reader = try await RequestJSON.fields(request)
            let name = reader.string("name", required: true, allowBlank: false, maxLength: 50)
            try reader.validate()
            guard let name else { throw APIError.invalid("name", "This field is required.") }
            let (record, key) = try await keys.create(userID: identity.userID, name: name)
            let base = publicURL.base(for: request)
            return JSONResponse(
                status: .created,
                [
                    "url": .string("\(base)/api/auth/clientkeys/\(record.id)/"), "id": .int(record.id), "name": .string(record.name),
                    "api_key": .string(key), "user": .string(record.username),
                ])
        }
        api.get("/api/auth/clientkeys/{id}/", access: .model("clientkey"), tag: tag, summary: "One client key (without the key).") {
            request, context in
            JSONResponse(try await load(context).json(base: publicURL.base(for: request)))
        }
        api.patch(
            "/api/auth/clientkeys/{id}/", access: .model("clientkey"), tag: tag, summary: "Rename a client key.",
            body: [.string("name", required: true)]
        ) { request, context in
            var record = try await load(context)
            var reader = try await RequestJSON.fields(request)
            let name = reader.string("name", allowBlank: false, maxLength: 50)
            try reader.validate()
            if let name {
                try await keys.rename(id: record.id, name: name)
                record.name = name
            }
            return JSONResponse(record.json(base: publicURL.base(for: request)))
        }
        api.delete(
            "/api/auth/clientkeys/{id}/", access: .model("clientkey"), credentials: .accessToken, tag: tag,
            summary: "Revoke a client key; it stops working at once."
        ) { _, context in
            let record = try await load(context)
            guard try await keys.delete(id: record.id) else { throw APIError.notFound("Client key") }
            return JSONResponse.noContent
        }
    }

    private func load(_ context: HubRequestContext) async throws -> ClientKeyStore.Record {
        let identity = try context.requireIdentity()
        guard let text = context.pathParameter("id"), let id = Int64(text),
            let record = try await keys.find(id: id, owner: scope(identity))
        else { throw APIError.notFound("Client key") }
        return record
    }
}
