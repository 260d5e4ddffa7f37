import Foundation
import Hummingbird
import Postgres
import Shared

/// `/api/alerts/` (manual L26151-26273): the open alerts, not paginated. Without filters it lists the
/// active, non-muted ones; `suppressed=true` lists the muted ones. PATCH `{"suppressed": bool}` mutes or
/// unmutes one (the manual leaves muting to "elsewhere"; this is where).
struct AlertsController: Sendable {
    let pool: PostgresPool

    func addRoutes(to api: APIRouter) {
        let tag = "alerts"
        api.get(
            "/api/alerts/", access: .model("alert"), tag: tag, summary: "Active alerts.",
            query: ["name", "site", "node", "severity", "summary", "timestamp", "suppressed"].map { .string($0) }
        ) { request, _ in
            let query = QueryString(request.uri.query)
            var conditions = ["cleared IS NULL"]
            var binds: [PostgresBind?] = []
            for key in ["name", "site", "node", "summary"] {
                if let value = query[key], !value.isEmpty {
                    binds.append(.string(value))
                    conditions.append("\(key) = $\(binds.count)")
                }
            }
            if let severity = query["severity"], !severity.isEmpty {
                guard ["INFO", "WARNING", "CRITICAL"].contains(severity.uppercased()) else {
                    throw APIError.invalid("severity", "Select a valid choice. \(severity) is not one of INFO, WARNING, CRITICAL.")
                }
                binds.append(.string(severity.uppercased()))
                conditions.append("severity = $\(binds.count)")
            }
            if let text = query["timestamp"], !text.isEmpty {
                guard let date = WireCoding.parseDate(text) else { throw APIError.invalid("timestamp", "Enter a valid date/time.") }
                binds.append(.date(date))
                conditions.append("timestamp >= $\(binds.count)")
            }
            let suppressed = ["true", "1", "True"].contains(query["suppressed"] ?? "")
            conditions.append(suppressed ? "suppressed" : "NOT suppressed")
            let rows = try await pool.query(
                "SELECT * FROM alerts WHERE \(conditions.joined(separator: " AND ")) ORDER BY id", binds)
            return JSONResponse(.array(try rows.map(Self.json)))
        }
        api.get("/api/alerts/{id}/", access: .model("alert"), tag: tag, summary: "One alert.") { _, context in
            JSONResponse(try await find(context))
        }
        api.patch(
            "/api/alerts/{id}/", access: .model("alert"), tag: tag, summary: "Mute or unmute an alert.",
            body: [.boolean("suppressed", required: true)]
        ) { request, context in
            let current = try await find(context)
            var reader = try await RequestJSON.fields(request)
            let suppressed = reader.bool("suppressed", required: true)
            try reader.validate()
            guard let suppressed, case .object(let members) = current, case .int(let id)? = members.first(where: { $0.key == "id" })?.value
            else { return JSONResponse(current) }
            _ = try await pool.execute("UPDATE alerts SET suppressed = $2 WHERE id = $1", [.int64(id), .bool(suppressed)])
            return JSONResponse(try await find(context))
        }
    }

    private func find(_ context: HubRequestContext) async throws -> JSON {
        guard let text = context.pathParameter("id"), let id = Int64(text),
            let row = try await pool.query("SELECT * FROM alerts WHERE id = $1", [.int64(id)]).first
        else { throw APIError.notFound("Alert") }
        return try Self.json(row)
    }

    static func json(_ row: PostgresRow) throws -> JSON {
        [
            "id": .int(try row.decode(Int64.self, "id")), "site": JSON(try row.decode(String?.self, "site")),
            "name": .string(try row.decode(String.self, "name")), "node": JSON(try row.decode(String?.self, "node")),
            "queue": JSON(try row.decode(String?.self, "queue")), "created": JSON(try row.decode(Date.self, "created")),
            "timestamp": JSON(try row.decode(Date.self, "timestamp")), "severity": .string(try row.decode(String.self, "severity")),
            "summary": .string(try row.decode(String.self, "summary")), "suppressed": .bool(try row.decode(Bool.self, "suppressed")),
        ]
    }
}
