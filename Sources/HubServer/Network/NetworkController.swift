import Foundation
import HubCore
import Hummingbird
import Postgres
import Shared

/// `/api/datastores/`, `/api/ipaddresses/` and `/api/sitelinks/` (spec/04 sections 8, 17, 33): stored,
/// validated and served. Datastore credentials are write-only (shown as `*****` when set).
struct NetworkController: Sendable {
    let pool: PostgresPool
    let publicURL: PublicURL

    func addRoutes(to api: APIRouter) {
        crud(api, path: "datastores", model: "datastore", name: "DataStore", select: "SELECT * FROM datastores d", alias: "d",
             filters: [], json: Self.datastore, write: Self.writeDatastore)
        crud(api, path: "ipaddresses", model: "ipaddress", name: "IPAddress",
             select: "SELECT i.id, host(i.ipaddr) AS ipaddr, d.id AS datastore_id, d.name AS datastore_name FROM ipaddresses i JOIN datastores d ON d.id = i.datastore_id",
             alias: "i", filters: [("datastore_id", "i.datastore_id")], json: Self.ipaddress, write: Self.writeIPAddress)
        crud(api, path: "sitelinks", model: "sitelink", name: "SiteLink",
             select: "SELECT l.*, s.name AS site_name, d.name AS datastore_name FROM sitelinks l JOIN sites s ON s.id = l.site_id JOIN datastores d ON d.id = l.datastore_id",
             alias: "l", filters: [("site_id", "l.site_id"), ("datastore_id", "l.datastore_id")], json: Self.sitelink, write: Self.writeSitelink)
    }

    typealias Writer = @Sendable (FieldReader, Bool, PostgresConnection) throws -> [(String, PostgresBind?)]

    private func crud(
        _ api: APIRouter, path: String, model: String, name: String, select: String, alias: String,
        filters: [(String, String)], json: @escaping @Sendable (PostgresRow, String) throws -> JSON, write: @escaping Writer
    ) {
        let pool = self.pool, publicURL = self.publicURL
        @Sendable func find(_ id: Int64) async throws -> PostgresRow {
            guard let row = try await pool.query(select + " WHERE \(alias).id = $1", [.int64(id)]).first else { throw APIError.notFound(name) }
            return row
        }
        @Sendable func id(_ context: HubRequestContext) throws -> Int64 {
            guard let text = context.pathParameter("id"), let id = Int64(text) else { throw APIError.notFound(name) }
            return id
        }
        @Sendable func save(_ request: Request, id: Int64?) async throws -> Int64 {
            let reader = try await RequestJSON.fields(request)
            do {
                return try await pool.transaction { conn in
                    let columns = try write(reader, id == nil, conn)
                    if let id {
                        guard !columns.isEmpty else { return id }
                        let sets = columns.enumerated().map { "\($0.element.0) = $\($0.offset + 2)" }.joined(separator: ", ")
                        guard try conn.execute("UPDATE \(path) SET \(sets) WHERE id = $1", [.int64(id)] + columns.map(\.1)) == 1 else {
                            throw APIError.notFound(name)
                        }
                        return id
                    }
                    let names = columns.map(\.0).joined(separator: ", ")
                    let places = columns.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
                    return try conn.query("INSERT INTO \(path) (\(names)) VALUES (\(places)) RETURNING id", columns.map(\.1))
                        .decodeColumn(Int64.self, "id").first ?? 0
                }
            } catch let error as PostgresError where error.isUniqueViolation {
                throw APIError(fields: ["non_field_errors": ["A \(name) with these values already exists."]])
            }
        }
        api.get("/api/\(path)/", access: .model(model), tag: path, summary: "List \(path).", paginated: true,
                query: filters.map { .integer($0.0) }) { request, context in
            let query = QueryString(request.uri.query)
            var conditions: [String] = [], binds: [PostgresBind?] = []
            for (key, column) in filters {
                guard let text = query[key], !text.isEmpty else { continue }
                guard let value = Int64(text) else { throw APIError.invalid(key, "A valid integer is required.") }
                binds.append(.int64(value))
                conditions.append("\(column) = $\(binds.count)")
            }
            let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            let rows = try await pool.query(select + whereClause + " ORDER BY \(alias).id", binds)
            let base = publicURL.base(for: request)
            return try await Paginated.respond(request, context, base: publicURL, count: { rows.count }) { limit, offset in
                try rows.dropFirst(offset).prefix(limit ?? rows.count).map { try json($0, base) }
            }
        }
        api.post("/api/\(path)/", access: .model(model), tag: path, summary: "Create one of \(path).") { request, _ in
            JSONResponse(status: .created, try json(try await find(try await save(request, id: nil)), publicURL.base(for: request)))
        }
        api.get("/api/\(path)/{id}/", access: .model(model), tag: path, summary: "One of \(path).") { request, context in
            JSONResponse(try json(try await find(try id(context)), publicURL.base(for: request)))
        }
        api.patch("/api/\(path)/{id}/", access: .model(model), tag: path, summary: "Change one of \(path).") { request, context in
            let id = try id(context)
            _ = try await find(id)
            return JSONResponse(try json(try await find(try await save(request, id: id)), publicURL.base(for: request)))
        }
        api.delete("/api/\(path)/{id}/", access: .model(model), tag: path, summary: "Delete one of \(path).") { _, context in
            guard try await pool.execute("DELETE FROM \(path) WHERE id = $1", [.int64(try id(context))]) > 0 else { throw APIError.notFound(name) }
            return JSONResponse.noContent
        }
    }

    // MARK: representations

    static func datastore(_ row: PostgresRow, base: String) throws -> JSON {
        let id = try row.decode(Int64.self, "id")
        var members: [JSON.Member] = [.init(key: "url", value: .string("\(base)/api/datastores/\(id)/")), .init(key: "id", value: .int(id))]
        for key in ["name", "type", "endpoint", "region", "bucket", "container", "storageaccount", "credentialsfile", "accesskeyid"] {
            members.append(.init(key: key, value: JSON(try row.decode(String?.self, key))))
        }
        for key in ["accesskey", "secretaccesskey"] {
            members.append(.init(key: key, value: try row.decode(String?.self, key) == nil ? .null : .string("*****")))
        }
        return .object(members)
    }

    static func ipaddress(_ row: PostgresRow, base: String) throws -> JSON {
        let id = try row.decode(Int64.self, "id"), store = try row.decode(Int64.self, "datastore_id")
        return [
            "url": .string("\(base)/api/ipaddresses/\(id)/"), "id": .int(id), "ipaddr": .string(try row.decode(String.self, "ipaddr")),
            "datastore": ["id": .int(store), "name": .string(try row.decode(String.self, "datastore_name")), "url": .string("\(base)/api/datastores/\(store)/")],
        ]
    }

    static func sitelink(_ row: PostgresRow, base: String) throws -> JSON {
        let id = try row.decode(Int64.self, "id")
        return [
            "url": .string("\(base)/api/sitelinks/\(id)/"), "id": .int(id), "site": .string(try row.decode(String.self, "site_name")),
            "site_path": .string(try row.decode(String.self, "site_path")),
            "datastore": .string(try row.decode(String.self, "datastore_name")),
            "datastore_path": .string(try row.decode(String.self, "datastore_path")),
            "bandwidth": JSON(try row.decode(Int?.self, "bandwidth")),
        ]
    }

    // MARK: validation (column names come from these fixed lists only)

    static let writeDatastore: Writer = { body, creating, _ in
        var reader = body
        var columns: [(String, PostgresBind?)] = []
        if let name = reader.string("name", required: creating, allowBlank: false, maxLength: 255) { columns.append(("name", .string(name))) }
        if let type = reader.string("type", required: creating, allowBlank: false, maxLength: 64) { columns.append(("type", .string(type))) }
        for key in ["endpoint", "region", "bucket", "container", "storageaccount", "credentialsfile", "accesskeyid", "accesskey", "secretaccesskey"] {
            switch reader.nullableString(key, maxLength: 4096) {
            case .absent: break
            case .null: columns.append((key, nil))
            case .value(let text): columns.append((key, .string(text)))
            }
        }
        try reader.validate()
        return columns
    }

    static let writeIPAddress: Writer = { body, creating, conn in
        var reader = body
        var columns: [(String, PostgresBind?)] = []
        if let store = reader.int("datastore", required: creating) {
            guard try conn.query("SELECT 1 FROM datastores WHERE id = $1", [.int(store)]).first != nil else {
                throw APIError.invalid("datastore", "Invalid pk \"\(store)\" - object does not exist.")
            }
            columns.append(("datastore_id", .int(store)))
        }
        if let address = reader.string("ipaddr", required: creating, allowBlank: false, maxLength: 64) {
            if IPv4.isValid(address) { columns.append(("ipaddr", .string(address))) } else { reader.fail("ipaddr", "Enter a valid IPv4 address.") }
        }
        try reader.validate()
        return columns
    }

    static let writeSitelink: Writer = { body, creating, conn in
        var reader = body
        var columns: [(String, PostgresBind?)] = []
        if let site = reader.string("site", required: creating, allowBlank: false, maxLength: 255) {
            if let id = try conn.query("SELECT id FROM sites WHERE name = $1", [.string(site)]).decodeColumn(Int64.self, "id").first {
                columns.append(("site_id", .int64(id)))
            } else {
                reader.fail("site", "Object with name=\(site) does not exist.")
            }
        }
        if let store = reader.string("datastore", required: creating, allowBlank: false, maxLength: 255) {
            if let id = try conn.query("SELECT id FROM datastores WHERE name = $1", [.string(store)]).decodeColumn(Int64.self, "id").first {
                columns.append(("datastore_id", .int64(id)))
            } else {
                reader.fail("datastore", "Object with name=\(store) does not exist.")
            }
        }
        if let path = reader.string("site_path", required: creating, allowBlank: false, maxLength: 4096) {
            if let clean = PathScope.normalized(path) { columns.append(("site_path", .string(clean))) } else {
                reader.fail("site_path", "Enter an absolute path without '..'.")
            }
        }
        if let path = reader.string("datastore_path", required: creating, allowBlank: false, maxLength: 4096) {
            columns.append(("datastore_path", .string(path)))
        }
        switch reader.nullableInt("bandwidth") {
        case .absent: break
        case .null: columns.append(("bandwidth", nil))
        case .value(let number):
            if number < 0 || number > 2_147_483_647 { reader.fail("bandwidth", "Ensure this value is between 0 and 2147483647.") } else {
                columns.append(("bandwidth", .int(number)))
            }
        }
        try reader.validate()
        return columns
    }
}

/// Dotted-quad IPv4 addresses, as the API's `ipaddr` takes them.
enum IPv4 {
    static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber) && (Int(part) ?? 256) <= 255
        }
    }
}
