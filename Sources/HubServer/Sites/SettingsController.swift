import Foundation
import HubCore
import Hummingbird
import Postgres
import Shared

/// Global settings pushed to every site (`/api/settings/`, manual spec/04 section 29) and the tasks of
/// settings jobs (`/api/settingstasks/`, L24557-24810). A push is a settings job per site running
/// `set_config_and_apply` on the site's default queue; the API answers 202 with the task ids.
struct SettingsController: Sendable {
    let pool: PostgresPool
    let engine: WorkflowEngine
    let publicURL: PublicURL

    func addRoutes(to api: APIRouter) {
        api.get("/api/settings/", access: .model("setting"), tag: "settings", summary: "Global settings (secrets masked).") { _, _ in
            JSONResponse(.array(try await pool.query("SELECT * FROM settings ORDER BY key").map(SiteSettingsStore.json)))
        }
        api.patch(
            "/api/settings/", access: .model("setting"), tag: "settings",
            summary: "Store global settings (null deletes) and push them to every site.",
            body: [.array("values", of: "object", required: true)]
        ) { request, context in
            let values = try SiteSettingsStore.parseValues(try await RequestJSON.json(request))
            try await pool.transaction { conn in
                for (key, value) in values {
                    if value == .null {
                        try conn.execute("DELETE FROM settings WHERE key = $1", [.string(key)])
                    } else {
                        try conn.execute(
                            """
                            INSERT INTO settings (key, value, secret) VALUES ($1, $2, $3)
                            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
                            """, [.string(key), try .json(encoding: value), .bool(SiteSettingsStore.isSecret(key))])
                    }
                }
            }
            return JSONResponse(status: .accepted, try await pushToSites(values, site: nil, owner: context.identity?.userID))
        }
        api.post(
            "/api/settings/sync/", access: .permission("change_setting"), tag: "settings",
            summary: "Push the stored global settings again, to one site (`site`) or all.", status: .accepted
        ) { request, context in
            let site = QueryString(request.uri.query)["site"].flatMap { $0.isEmpty ? nil : $0 }
            var values: [(String, JSONValue)] = []
            for row in try await pool.query("SELECT key, value FROM settings ORDER BY key") {
                values.append((try row.decode(String.self, "key"), try row.decodeJSON(JSONValue.self, "value")))
            }
            return JSONResponse(status: .accepted, try await pushToSites(values, site: site, owner: context.identity?.userID))
        }
        api.get(
            "/api/settingstasks/", access: .model("settingstask"), tag: "settingstasks", summary: "Tasks of a settings job.",
            paginated: true,
            query: [.integer("job_id", required: true), .string("tasktype"), .array("state", of: "string")]
        ) { request, context in
            try await listTasks(request, context)
        }
        api.get("/api/settingstasks/{id}/", access: .model("settingstask"), tag: "settingstasks", summary: "One settings task.") {
            request, context in
            guard let text = context.pathParameter("id"), let id = Int64(text),
                let row = try await pool.query(Self.select + " AND t.id = $1", [.int64(id)]).first
            else { throw APIError.notFound("SettingsTask") }
            return JSONResponse(try Self.json(row, base: publicURL.base(for: request), detail: true))
        }
    }

    /// One settings job per site (all sites when `site` is nil); `{site: task_id}`.
    private func pushToSites(_ values: [(String, JSONValue)], site: String?, owner: Int64?) async throws -> JSON {
        var sites = try await pool.query("SELECT name FROM sites ORDER BY name").decodeColumn(String.self, "name")
        if let site {
            guard sites.contains(site) else { throw APIError.invalid("site", "Object with name=\(site) does not exist.") }
            sites = [site]
        }
        var members: [JSON.Member] = []
        let timeout = try await ConfigurationStore(pool: engine.pool).load().settingsTaskTimeout
        for name in sites {
            members.append(
                .init(key: name, value: .string(try await Self.push(values, to: name, engine: engine, owner: owner, timeout: timeout))))
        }
        return .object(members)
    }

    /// Starts a settings job that applies `values` on `site`; returns the task id.
    /// `timeout`: `salt_task_timeout`, read once by callers pushing to several sites.
    static func push(
        _ values: [(String, JSONValue)], to site: String, engine: WorkflowEngine, owner: Int64?, timeout: Int? = nil
    ) async throws -> String {
        var timeout = timeout
        if timeout == nil { timeout = try await ConfigurationStore(pool: engine.pool).load().settingsTaskTimeout }
        let secrets = values.map(\.0).filter(SiteSettingsStore.isSecret)
        let kwargs: [String: JSONValue] = [
            "values": .object(Dictionary(values, uniquingKeysWith: { _, last in last })),
            "encrypted": .array(secrets.map(JSONValue.string)), "timeout": .int(Int64(timeout ?? 0)), "multi_update": .bool(false),
        ]
        return try await engine.submit(
            .init(
                name: SystemTaskOutcome.applySettings, site: site, kwargs: kwargs,
                friendlyName: "Applying \(values.count) settings on '\(site)'", settingsJob: true, owner: owner)
        ).task
    }

    private static let select = """
        SELECT t.id, t.task_id, t.name, t.state, t.job_id, t.site, t.started, t.finished, t.kwargs::text AS kwargs,
               t.output::text AS output, t.error, j.friendly_name
        FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE j.is_settings_job
        """

    private func listTasks(_ request: Request, _ context: HubRequestContext) async throws -> JSONResponse {
        let query = QueryString(request.uri.query)
        guard let jobText = query["job_id"], let job = Int64(jobText), job >= 1 else {
            throw APIError.invalid("job_id", "A valid integer is required.")
        }
        var filter = " AND t.job_id = $1"
        var binds: [PostgresBind?] = [.int64(job)]
        if let type = query["tasktype"], !type.isEmpty {
            binds.append(.string(type))
            filter += " AND t.name = $\(binds.count)"
        }
        let states = query.list("state").map { $0.uppercased() }
        if !states.isEmpty {
            binds.append(.array(states))
            filter += " AND t.state = ANY($\(binds.count)::text[])"
        }
        let rows = try await pool.query(Self.select + filter + " ORDER BY t.id", binds)
        var byState: [String: Int] = [:], byType: [String: Int] = [:]
        for row in rows {
            byState[try row.decode(String.self, "state"), default: 0] += 1
            byType[try row.decode(String.self, "name"), default: 0] += 1
        }
        let base = publicURL.base(for: request)
        let envelope = try await Paginated.respond(request, context, base: publicURL, count: { rows.count }) { limit, offset in
            try rows.dropFirst(offset).prefix(limit ?? rows.count).map { try Self.json($0, base: base, detail: false) }
        }
        guard case .object(var members)? = envelope.body else { return envelope }
        func counts(_ values: [String: Int]) -> JSON { .object(values.keys.sorted().map { .init(key: $0, value: .int(Int64(values[$0] ?? 0))) }) }
        members.append(.init(key: "stats", value: ["state": counts(byState), "tasktype": counts(byType)]))
        return JSONResponse(.object(members))
    }

    private static func json(_ row: PostgresRow, base: String, detail: Bool) throws -> JSON {
        let id = try row.decode(Int64.self, "id")
        let started = try row.decode(Date?.self, "started")
        var result: JSON = [
            "url": .string("\(base)/api/settingstasks/\(id)/"), "id": .int(id), "task_id": .string(try row.decode(String.self, "task_id")),
            "tasktype": .string(try row.decode(String.self, "name")), "state": .string(try row.decode(String.self, "state")),
            "job": .int(try row.decode(Int64.self, "job_id")), "site": .string(try row.decode(String.self, "site")),
            "started": JSON(started),
        ]
        guard detail, case .object(var members) = result else { return result }
        let completed = try row.decode(Date?.self, "finished")
        // The request as sent, without secret values (they are listed under `encrypted`, L24795).
        var request = try WireCoding.decode(JSONValue.self, from: Array(try row.decode(String.self, "kwargs").utf8))
        if case .object(var kwargs) = request, case .object(var values)? = kwargs["values"] {
            for key in values.keys where SiteSettingsStore.isSecret(key) { values[key] = nil }
            kwargs["values"] = .object(values)
            request = .object(kwargs)
        }
        let errorText = try row.decode(String?.self, "error")
        let output = try row.decode(String?.self, "output").flatMap { try? WireCoding.decode(JSONValue.self, from: Array($0.utf8)) }
        members += [
            .init(key: "completed", value: JSON(completed)),
            .init(key: "runtime", value: started.flatMap { s in completed.map { .double($0.timeIntervalSince(s)) } } ?? .null),
            .init(key: "request", value: JSON(request)),
            .init(key: "results", value: output.map(JSON.init) ?? JSON(errorText)),
            .init(key: "friendly_name", value: .string(try row.decode(String.self, "friendly_name"))),
        ]
        result = .object(members)
        return result
    }
}
