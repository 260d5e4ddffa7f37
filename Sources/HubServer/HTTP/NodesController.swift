import Foundation
import Hummingbird
import Postgres
import Shared

/// `/api/nodes/` (manual L24400-24555): worker nodes as their heartbeats registered them. No POST: a node
/// registers itself; DELETE deregisters it until its next heartbeat.
struct NodesController: Sendable {
    let nodes: NodeStore
    let publicURL: PublicURL

    func addRoutes(to api: APIRouter) {
        let tag = "nodes"
        api.get("/api/nodes/", access: .model("node"), tag: tag, summary: "List worker nodes.", paginated: true) {
            request, context in
            try await Paginated.respond(request, context, base: publicURL, count: { try await nodes.count() }) { limit, offset in
                try await nodes.list(limit: limit, offset: offset).map { $0.json(base: publicURL.base(for: request)) }
            }
        }
        api.get("/api/nodes/{id}/", access: .model("node"), tag: tag, summary: "One worker node.") { request, context in
            JSONResponse(try await load(context).json(base: publicURL.base(for: request)))
        }
        api.patch(
            "/api/nodes/{id}/", access: .model("node"), tag: tag, summary: "Change a node's name, site or last heartbeat.",
            body: [.string("name"), .string("site"), .string("last_heartbeat")]
        ) { request, context in
            let node = try await load(context)
            var reader = try await RequestJSON.fields(request)
            let name = reader.string("name", allowBlank: false, maxLength: 255)
            let site = reader.string("site", allowBlank: false, maxLength: 255)
            let heartbeatText = reader.string("last_heartbeat", allowBlank: false, maxLength: 64)
            try reader.validate()
            var heartbeat: Date?
            if let heartbeatText {
                guard let parsed = WireCoding.parseDate(heartbeatText) else {
                    throw APIError.invalid("last_heartbeat", "Datetime has wrong format. Use ISO 8601.")
                }
                heartbeat = parsed
            }
            do {
                guard try await nodes.update(id: node.id, name: name, site: site, lastHeartbeat: heartbeat) else {
                    throw APIError.invalid("site", "Object with name=\(site ?? "") does not exist.")
                }
            } catch let error as PostgresError where error.isUniqueViolation {
                throw APIError.invalid("name", "This site already has a node with this name.")
            }
            return JSONResponse(try await load(context).json(base: publicURL.base(for: request)))
        }
        api.delete("/api/nodes/{id}/", access: .model("node"), tag: tag, summary: "Deregister a node until its next heartbeat.") {
            _, context in
            let node = try await load(context)
            guard try await nodes.delete(id: node.id) else { throw APIError.notFound("Node") }
            return JSONResponse.noContent
        }
    }

    private func load(_ context: HubRequestContext) async throws -> NodeStore.NodeRow {
        guard let text = context.pathParameter("id"), let id = Int64(text), let node = try await nodes.find(id: id) else {
            throw APIError.notFound("Node")
        }
        return node
    }
}
