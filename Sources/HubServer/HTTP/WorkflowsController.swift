import Foundation
import HubCore
import Hummingbird
import Shared

/// `/api/workflows/` (manual L17267-17412; schema L10305-10751).
struct WorkflowsController: Sendable {
    let workflows: WorkflowStore
    let publicURL: PublicURL

    func addRoutes(to api: APIRouter) {
        let tag = "workflows"
        api.get("/api/workflows/", access: .model("workflow"), tag: tag, summary: "List workflow definitions.", paginated: true) {
            request, context in
            let base = publicURL.base(for: request)
            return try await Paginated.respond(request, context, base: publicURL, count: { try await workflows.count() }) { limit, offset in
                try await workflows.list(limit: limit, offset: offset).map { json($0, base: base) }
            }
        }
        api.post("/api/workflows/", access: .model("workflow"), tag: tag, summary: "Create a workflow.") { request, _ in
            let definition: WorkflowDefinition
            do {
                definition = try WorkflowDefinition.parse(try Self.object(try await RequestJSON.json(request)))
            } catch let error as WorkflowValidationError {
                throw APIError(fields: error.fields)
            }
            guard let id = try await workflows.create(definition) else {
                throw APIError.invalid("name", "workflow with this name already exists.")
            }
            return JSONResponse(status: .created, json(.init(id: id, definition: definition), base: publicURL.base(for: request)))
        }
        api.get("/api/workflows/{id}/", access: .model("workflow"), tag: tag, summary: "One workflow.") { request, context in
            JSONResponse(json(try await load(context), base: publicURL.base(for: request)))
        }
        api.patch("/api/workflows/{id}/", access: .model("workflow"), tag: tag, summary: "Change a workflow (not its name).") {
            request, context in
            var row = try await load(context)
            do {
                row.definition = try row.definition.patched(with: try Self.object(try await RequestJSON.json(request)))
            } catch let error as WorkflowValidationError {
                throw APIError(fields: error.fields)
            }
            try await workflows.update(id: row.id, row.definition)
            return JSONResponse(json(row, base: publicURL.base(for: request)))
        }
        api.delete("/api/workflows/{id}/", access: .model("workflow"), tag: tag, summary: "Delete a workflow.") { _, context in
            let row = try await load(context)
            guard try await workflows.delete(id: row.id) else { throw APIError.notFound("Workflow") }
            return JSONResponse.noContent
        }
    }

    static func object(_ value: JSONValue) throws -> [String: JSONValue] {
        guard case .object(let object) = value else {
            throw APIError(fields: ["non_field_errors": ["Invalid data. Expected a dictionary, but got \(FieldReader.pythonType(value))."]])
        }
        return object
    }

    private func json(_ row: WorkflowStore.Row, base: String) -> JSON {
        JSON(row.definition.json).prepending([("url", .string("\(base)/api/workflows/\(row.id)/")), ("id", .int(row.id))])
    }

    private func load(_ context: HubRequestContext) async throws -> WorkflowStore.Row {
        guard let text = context.pathParameter("id"), let id = Int64(text), let row = try await workflows.find(id: id) else {
            throw APIError.notFound("Workflow")
        }
        return row
    }
}
