import HubCore
import Hummingbird
import Shared

/// `/api/configurations/` (manual L24063-24262): the dynamic hub settings. JWT only, not client keys
/// (L11283). PATCH is partial and all-or-nothing; an unknown key is a 400 naming it.
struct ConfigurationsController: Sendable {
    let store: ConfigurationStore

    func addRoutes(to api: APIRouter) {
        let tag = "configurations"
        api.add(
            .get, "/api/configurations/", access: .model("configuration"), credentials: .accessToken, tag: tag,
            summary: "The hub's dynamic configuration."
        ) { _, _ in
            JSONResponse(try await store.load().json)
        }
        api.patch(
            "/api/configurations/", access: .model("configuration"), credentials: .accessToken, tag: tag,
            summary: "Change some of the hub's dynamic configuration; applies without a restart.",
            body: GlobalConfiguration.keys.map(Self.doc)
        ) { request, _ in
            guard case .object(let body) = try await RequestJSON.json(request) else {
                throw APIError(fields: ["non_field_errors": ["Invalid data. Expected a dictionary."]])
            }
            switch GlobalConfiguration.validate(patch: body) {
            case .failure(let errors): throw APIError(fields: errors.fields.mapValues { [$0] })
            case .success(let changes): return JSONResponse(try await store.apply(changes).json)
            }
        }
    }

    private static func doc(_ key: GlobalConfiguration.Key) -> FieldDoc {
        switch key.kind {
        case .int: .integer(key.name)
        case .bool: .boolean(key.name)
        case .string: .string(key.name)
        case .stringList: .array(key.name, of: "string")
        }
    }
}
