import Foundation
import HubCore
import Hummingbird
import Postgres
import Shared

/// `/api/policies/` (seed 002, spec/05 section 7): policy-based tiering definitions and their runs.
struct PoliciesController: Sendable {
    let store: PolicyStore
    let runner: PolicyRunner
    let publicURL: PublicURL

    func addRoutes(to api: APIRouter) {
        let tag = "policies"
        api.get("/api/policies/", access: .model("policy"), tag: tag, summary: "List policies.", paginated: true) { request, context in
            try await Paginated.respond(request, context, base: publicURL, count: { try await store.count() }) { limit, offset in
                try await store.list(limit: limit, offset: offset).map(Self.json)
            }
        }
        api.post("/api/policies/", access: .model("policy"), tag: tag, summary: "Create a policy.", body: Self.body) { request, _ in
            let policy = try PolicyStore.parse(try await Self.object(request))
            let id = try await store.save(policy, id: nil)
            let row = try await load(id)
            guard policy.runImmediately else { return JSONResponse(status: .created, Self.json(row)) }
            // The policy is created either way; the first run's outcome is reported with it.
            guard case .object(var members) = Self.json(row) else { return JSONResponse(status: .created, Self.json(row)) }
            do {
                let started = try await runner.run(row, due: Date())
                members.append(.init(key: "run", value: ["task_id": JSON(started.task), "job": JSON(started.job)]))
            } catch {
                members.append(.init(key: "run", value: ["error": .string("\(error)")]))
            }
            return JSONResponse(status: .created, .object(members))
        }
        api.get("/api/policies/{id}/", access: .model("policy"), tag: tag, summary: "One policy.") { _, context in
            JSONResponse(Self.json(try await load(try Self.id(context))))
        }
        api.patch("/api/policies/{id}/", access: .model("policy"), tag: tag, summary: "Change a policy.", body: Self.body) {
            request, context in
            let id = try Self.id(context)
            let current = try await load(id)
            let patched: PolicyDefinition
            do { patched = try current.definition.patched(with: try await Self.object(request)) } catch let error as PolicyValidationError {
                throw APIError(fields: error.fields)
            }
            _ = try await store.save(patched, id: id)
            return JSONResponse(Self.json(try await load(id)))
        }
        api.delete("/api/policies/{id}/", access: .model("policy"), tag: tag, summary: "Delete a policy.") { _, context in
            guard try await store.delete(id: try Self.id(context)) else { throw APIError.notFound("Policy") }
            return JSONResponse.noContent
        }
        api.post(
            "/api/policies/{id}/run/", access: .permission("change_policy"), tag: tag,
            summary: "Run a policy now; its files are migrated as a job.", status: .accepted
        ) { _, context in
            let started = try await runner.run(try await load(try Self.id(context)), due: Date())
            return JSONResponse(
                status: .accepted,
                ["task_id": JSON(started.task), "job": JSON(started.job), "notes": .array(started.compiled.notes.map(JSON.string))])
        }
    }

    private func load(_ id: Int64) async throws -> PolicyStore.Row {
        guard let row = try await store.find(id: id) else { throw APIError.notFound("Policy") }
        return row
    }

    /// The policy object as the manual prints it (L20723-20778), `id` and `created` added by the store.
    static func json(_ row: PolicyStore.Row) -> JSON {
        let body = row.definition.jsonObject
        let order = ["schedule", "triggers", "order", "condition_groups", "name", "policy_type", "filesystem"]
        var members: [JSON.Member] = [.init(key: "id", value: .int(row.id))]
        for key in order { members.append(.init(key: key, value: JSON(body[key] ?? .null))) }
        members.append(.init(key: "created", value: JSON(row.created)))
        for key in ["enabled", "threads", "site", "spaces"] { members.append(.init(key: key, value: JSON(body[key] ?? .null))) }
        return .object(members)
    }

    static func object(_ request: Request) async throws -> [String: JSONValue] {
        guard case .object(let object) = try await RequestJSON.json(request) else {
            throw APIError(fields: ["non_field_errors": ["Invalid data. Expected a dictionary."]])
        }
        return object
    }

    static func id(_ context: HubRequestContext) throws -> Int64 {
        guard let text = context.pathParameter("id"), let id = Int64(text) else { throw APIError.notFound("Policy") }
        return id
    }

    static let body: [FieldDoc] = [
        .string("name", required: true), .string("policy_type"), .string("filesystem"), .boolean("enabled"),
        .integer("threads"), .integer("site", required: true), .array("spaces", of: "integer"), .object("schedule"),
        .array("triggers", of: "object"), .object("order"), .array("condition_groups", of: "object"),
        .boolean("run_immediately"),
    ]
}
