import Foundation
import HTTPTypes
import Shared

/// The OpenAPI 3 document of the registered routes, built from the same `RouteSpec`s the router and the
/// permission check use, so it cannot drift from what the hub serves.
enum OpenAPIDocument {
    static func build(routes: [RouteSpec], serverURL: String) -> JSON {
        var paths: [JSON.Member] = []
        for path in orderedPaths(routes) {
            let operations = routes.filter { $0.path == path }.map { JSON.Member(key: $0.method.rawValue.lowercased(), value: operation($0)) }
            paths.append(.init(key: path, value: .object(operations)))
        }
        return [
            "openapi": "3.0.3",
            "info": [
                "title": "Ngenea Hub API", "version": .string(SoftwareVersion.current),
                "description": .string(overview),
            ],
            "servers": [["url": .string(serverURL)]],
            "paths": .object(paths),
            "components": [
                "securitySchemes": [
                    "jwt": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "An access token from POST /api/auth/token/."],
                    "apiKey": [
                        "type": "apiKey", "in": "header", "name": "Authorization",
                        "description": "`Api-Key <prefix>.<secret>`, a client key from POST /api/auth/clientkeys/.",
                    ],
                ],
                "schemas": [
                    "Detail": ["type": "object", "properties": ["detail": ["type": "string"]], "required": ["detail"]],
                    "FieldErrors": [
                        "type": "object", "description": "Field name -> messages.",
                        "additionalProperties": ["type": "array", "items": ["type": "string"]],
                    ],
                ],
            ],
        ]
    }

    static let overview = """
        Authenticate with `Authorization: Bearer <access token>` (POST /api/auth/token/) or \
        `Authorization: Api-Key <key>` (POST /api/auth/clientkeys/). Permissions are Django model permissions: \
        GET needs view_<model>, POST add_<model>, PATCH change_<model>, DELETE delete_<model>; administrators \
        pass every check. Lists are {count, next, previous, results} with page and page_size (20-100, 0 = all).
        """

    /// Paths in the order they were first registered.
    static func orderedPaths(_ routes: [RouteSpec]) -> [String] {
        var seen: Set<String> = []
        return routes.map(\.path).filter { seen.insert($0).inserted }
    }

    static func operationID(_ spec: RouteSpec) -> String {
        let words = spec.path.split(separator: "/").map { $0.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "") }
        return ([spec.method.rawValue.lowercased()] + words).joined(separator: "_").replacingOccurrences(of: "-", with: "_")
    }

    /// The permission a method needs, in words, for the description and `x-permission`.
    static func permissionText(_ spec: RouteSpec) -> String {
        var text: String
        switch spec.access {
        case .public: text = "Public: no credentials needed."
        case .authenticated: text = "Any authenticated user."
        case .administrator: text = "Administrators only."
        case .permission(let codename): text = "Needs the permission \(codename)."
        case .model(let model):
            text = "Needs \(RouteAccess.codename(model: model, method: spec.method.rawValue))"
                + (spec.objectParameter != nil ? " (or the object permission on this id)." : ".")
        case .modelOrSelf(let model, let parameter):
            text = "Needs \(RouteAccess.codename(model: model, method: spec.method.rawValue)), unless {\(parameter)} is yourself."
        }
        if spec.access != .public { text += " Administrators pass." }
        if spec.credentials == .accessToken { text += " Only a JWT access token is accepted (not a client key)." }
        return text
    }

    private static func schema(_ field: FieldDoc) -> JSON {
        var members: [JSON.Member] = [.init(key: "type", value: .string(field.type))]
        if let items = field.items { members.append(.init(key: "items", value: ["type": .string(items)])) }
        if !field.description.isEmpty { members.append(.init(key: "description", value: .string(field.description))) }
        return .object(members)
    }

    private static func operation(_ spec: RouteSpec) -> JSON {
        var members: [JSON.Member] = [
            .init(key: "operationId", value: .string(operationID(spec))),
            .init(key: "tags", value: [.string(spec.tag)]),
            .init(key: "summary", value: .string(spec.summary)),
            .init(key: "description", value: .string(permissionText(spec))),
            .init(key: "x-permission", value: .string(spec.access.requiredCodename(method: spec.method.rawValue) ?? spec.access.description)),
        ]
        var parameters: [JSON] = spec.pathParameters.map {
            ["name": .string($0), "in": "path", "required": true, "schema": ["type": "string"]]
        }
        parameters += spec.query.map { field in
            ["name": .string(field.name), "in": "query", "required": .bool(field.required), "schema": schema(field)]
        }
        if !parameters.isEmpty { members.append(.init(key: "parameters", value: .array(parameters))) }
        if !spec.body.isEmpty {
            let properties = JSON.object(spec.body.map { .init(key: $0.name, value: schema($0)) })
            var bodySchema: [JSON.Member] = [.init(key: "type", value: "object"), .init(key: "properties", value: properties)]
            let required = spec.body.filter(\.required).map { JSON.string($0.name) }
            if !required.isEmpty { bodySchema.append(.init(key: "required", value: .array(required))) }
            members.append(.init(key: "requestBody", value: [
                "required": .bool(!required.isEmpty), "content": ["application/json": ["schema": .object(bodySchema)]],
            ]))
        }
        var responses: [JSON.Member] = []
        var success: [JSON.Member] = [.init(key: "description", value: spec.status == 204 ? "No content." : "Success.")]
        if spec.paginated {
            success.append(.init(key: "content", value: [
                "application/json": [
                    "schema": [
                        "type": "object",
                        "properties": [
                            "count": ["type": "integer"], "next": ["type": "string", "nullable": true],
                            "previous": ["type": "string", "nullable": true], "results": ["type": "array", "items": ["type": "object"]],
                        ],
                    ]
                ]
            ]))
        } else if spec.status != 204 {
            success.append(.init(key: "content", value: ["application/json": ["schema": ["type": "object"]]]))
        }
        responses.append(.init(key: String(spec.status), value: .object(success)))
        func error(_ code: Int, _ text: String, _ schemaName: String = "Detail") {
            responses.append(.init(key: String(code), value: [
                "description": .string(text),
                "content": ["application/json": ["schema": ["$ref": .string("#/components/schemas/\(schemaName)")]]],
            ]))
        }
        if !spec.body.isEmpty { error(400, "Invalid fields (field -> messages) or malformed JSON.", "FieldErrors") }
        if spec.access != .public { error(401, "No valid credentials.") }
        if spec.access != .public && spec.access != .authenticated || spec.credentials == .accessToken {
            error(403, "Without the permission.")
        }
        if !spec.pathParameters.isEmpty || spec.paginated { error(404, spec.paginated ? "Invalid page." : "No such object.") }
        members.append(.init(key: "responses", value: .object(responses)))
        let security: JSON
        switch (spec.access, spec.credentials) {
        case (.public, _): security = []
        case (_, .accessToken): security = [["jwt": []]]
        default: security = [["jwt": []], ["apiKey": []]]
        }
        members.append(.init(key: "security", value: security))
        return .object(members)
    }
}
