import Foundation
import HubCore
import Hummingbird
import Postgres
import Shared

/// `/api/sites/` (manual L21633-22260): the PixStor sites the hub manages, their health, the refresh of
/// what they have, and their own settings.
struct SitesController: Sendable {
    let sites: SiteStore
    let engine: WorkflowEngine
    let health: HealthController
    let publicURL: PublicURL

    func addRoutes(to api: APIRouter) {
        let tag = "sites"
        api.get("/api/sites/", access: .model("site"), tag: tag, summary: "List sites.", paginated: true) { request, context in
            try await Paginated.respond(request, context, base: publicURL, count: { try await sites.count() }) { limit, offset in
                let base = publicURL.base(for: request)
                return try await sites.list(limit: limit, offset: offset).map { try SiteJSON.summary($0, base: base) }
            }
        }
        api.post("/api/sites/", access: .model("site"), tag: tag, summary: "Create a site.", body: Self.body) { request, _ in
            let input = try SiteInput(try await RequestJSON.json(request), creating: true)
            let id = try await sites.create(input)
            return JSONResponse(status: .created, try await detail(id, request))
        }
        api.get("/api/sites/{id}/", access: .model("site"), tag: tag, summary: "One site with its settings.") { request, context in
            JSONResponse(try await detail(try id(context), request))
        }
        api.patch("/api/sites/{id}/", access: .model("site"), tag: tag, summary: "Change a site's fields.", body: Self.body) {
            request, context in
            let id = try id(context)
            let input = try SiteInput(try await RequestJSON.json(request), creating: false)
            guard try await sites.update(id: id, input) else { throw APIError.notFound("Site") }
            return JSONResponse(try await detail(id, request))
        }
        api.delete("/api/sites/{id}/", access: .model("site"), tag: tag, summary: "Delete a site and what belongs to it.") {
            _, context in
            guard try await sites.delete(id: try id(context)) else { throw APIError.notFound("Site") }
            return JSONResponse.noContent
        }
        api.get("/api/sites/{id}/health/", access: .model("site"), tag: tag, summary: "Health of a site's nodes and queues.") {
            _, context in
            let name = try await siteName(context)
            let report = try await health.report()
            return report.siteStatus.first { $0.site == name }
                ?? HealthReport.SiteReport(site: name, health: .ok, nodes: [], queues: [])
        }
        api.post(
            "/api/sites/{id}/refresh/", access: .permission("change_site"), tag: tag,
            summary: "Ask the site for its filesystems, filesets, pools and servers now.", status: .ok
        ) { _, context in
            let name = try await siteName(context)
            let (_, task) = try await engine.submit(
                .init(name: SystemTaskOutcome.inventory, site: name, friendlyName: "Refreshing site '\(name)'"))
            _ = try await engine.pool.execute("UPDATE sites SET inventory_requested = now() WHERE name = $1", [.string(name)])
            return JSONResponse([SystemTaskOutcome.inventory: .string(task)])
        }
        api.get(
            "/api/sites/{id}/settings/", access: .model("site"), tag: tag, summary: "The site's own settings (secrets masked)."
        ) { request, context in
            let id = try id(context)
            _ = try await siteName(context)
            let rows = try await engine.pool.query("SELECT * FROM site_settings WHERE site_id = $1 ORDER BY key", [.int64(id)])
            if ["true", "1", "True"].contains(QueryString(request.uri.query)["flat"] ?? "") {
                var flat: [JSON.Member] = []
                for row in rows {
                    guard case .object(let members) = try SiteSettingsStore.json(row), let key = members.first(where: { $0.key == "key" }),
                        case .string(let name) = key.value
                    else { continue }
                    flat.append(.init(key: name, value: members.first { $0.key == "value" }?.value ?? .null))
                }
                return JSONResponse(.object(flat))
            }
            return JSONResponse(.array(try rows.map(SiteSettingsStore.json)))
        }
        api.patch(
            "/api/sites/{id}/settings/", access: .permission("change_site"), tag: tag,
            summary: "Push settings to the site (a settings job).", body: [.array("values", of: "object", required: true)]
        ) { request, context in
            let name = try await siteName(context)
            let values = try SiteSettingsStore.parseValues(try await RequestJSON.json(request))
            let task = try await SettingsController.push(values, to: name, engine: engine, owner: context.identity?.userID)
            return JSONResponse(status: .accepted, ["task_id": .string(task)])
        }
        api.post(
            "/api/sites/{id}/settings/refresh/", access: .permission("change_site"), tag: tag,
            summary: "Read the site's settings again.", status: .accepted
        ) { _, context in
            let name = try await siteName(context)
            let (_, task) = try await engine.submit(
                .init(
                    name: SystemTaskOutcome.readSettings, site: name, friendlyName: "Reading settings of '\(name)'",
                    settingsJob: true, owner: context.identity?.userID))
            return JSONResponse(status: .accepted, ["task_id": .string(task)])
        }
    }

    private func id(_ context: HubRequestContext) throws -> Int64 {
        guard let text = context.pathParameter("id"), let id = Int64(text) else { throw APIError.notFound("Site") }
        return id
    }

    private func siteName(_ context: HubRequestContext) async throws -> String {
        guard let name = try await engine.pool.query("SELECT name FROM sites WHERE id = $1", [.int64(try id(context))])
            .decodeColumn(String.self, "name").first
        else { throw APIError.notFound("Site") }
        return name
    }

    private func detail(_ id: Int64, _ request: Request) async throws -> JSON {
        guard let row = try await sites.find(id: id) else { throw APIError.notFound("Site") }
        return try SiteJSON.detail(row, base: publicURL.base(for: request))
    }

    static let body: [FieldDoc] = [
        .string("name", "Letters, numbers, `_` and `-`; required on POST."), .string("shortcode", "Up to 3 characters; required on POST."),
        .string("label"), .string("timezone", "IANA time zone; schedules run in it."), .string("type"), .string("public_url"),
        .integer("file_batch_size"), .integer("file_batch_gb"), .boolean("enable_auto_file_batch_sizing"),
        .integer("bandwidth", "Mb/s, 0 for no limit."), .integer("lock_threshold"), .string("elasticsearch_url"),
        .string("pixstor_search_url"), .array("include", of: "string"), .array("exclude", of: "string"),
        .array("color", of: "integer"), .array("spaces", of: "string"), .integer("gpfs_iscan_buckets"),
        .integer("gpfs_iscan_threads"),
    ]
}

extension HealthReport.SiteReport: ResponseEncodable {}
