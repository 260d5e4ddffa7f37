import Foundation
import HubCore
import Postgres
import Shared

/// The sites table as `/api/sites/` reads and writes it.
struct SiteStore: Sendable {
    let pool: PostgresPool

    static let select = """
        SELECT s.*, s.color::text AS color_json, s.include::text AS include_json, s.exclude::text AS exclude_json,
               COALESCE((SELECT json_agg(json_build_object('id', sp.id, 'name', sp.name) ORDER BY sp.id)
                         FROM space_sites ss JOIN spaces sp ON sp.id = ss.space_id WHERE ss.site_id = s.id)::text, '[]')
                   AS spaces_json
        FROM sites s
        """

    func count() async throws -> Int {
        try await pool.query("SELECT count(*) AS n FROM sites").decodeColumn(Int.self, "n").first ?? 0
    }

    func list(limit: Int?, offset: Int) async throws -> [PostgresRow] {
        Array(try await pool.query(Self.select + " ORDER BY s.id LIMIT $1 OFFSET $2", [limit.map { .int($0) }, .int(offset)]))
    }

    func find(id: Int64) async throws -> PostgresRow? {
        try await pool.query(Self.select + " WHERE s.id = $1", [.int64(id)]).first
    }

    /// Creates a site; returns its id. A taken name is a 400 on `name`.
    func create(_ input: SiteInput) async throws -> Int64 {
        var columns = input.columns
        // The label defaults to the name, as sites registered by heartbeats get.
        if !columns.contains(where: { $0.0 == "label" }), let name = columns.first(where: { $0.0 == "name" }) {
            columns.append(("label", name.1))
        }
        let values = columns.map { Self.bind($0.1) }
        let names = columns.map(\.0)
        let placeholders = columns.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
        return try await write { conn in
            let id = try conn.query(
                "INSERT INTO sites (\(names.joined(separator: ", "))) VALUES (\(placeholders)) RETURNING id",
                values
            ).decodeColumn(Int64.self, "id").first ?? 0
            if let spaces = input.spaces { try Self.link(spaces: spaces, site: id, on: conn) }
            return id
        }
    }

    /// Applies a partial update; false when the site does not exist.
    func update(id: Int64, _ input: SiteInput) async throws -> Bool {
        try await write { conn in
            guard let current = try conn.query("SELECT name FROM sites WHERE id = $1 FOR UPDATE", [.int64(id)]).decodeColumn(String.self, "name").first
            else { return false }
            if let renamed = input.renamedTo, renamed != current {
                throw APIError.invalid("name", "A site's name cannot be changed: workers, queues and jobs refer to it.")
            }
            if !input.columns.isEmpty {
                let sets = input.columns.enumerated().map { "\($0.element.0) = $\($0.offset + 2)" }.joined(separator: ", ")
                try conn.execute("UPDATE sites SET \(sets) WHERE id = $1", [.int64(id)] + input.columns.map { Self.bind($0.1) })
            }
            if let spaces = input.spaces {
                try conn.execute("DELETE FROM space_sites WHERE site_id = $1", [.int64(id)])
                try Self.link(spaces: spaces, site: id, on: conn)
            }
            return true
        }
    }

    /// Deletes a site and everything that belongs to it (nodes, inventory, settings cascade); its jobs stay
    /// as history. False when it does not exist.
    func delete(id: Int64) async throws -> Bool {
        try await pool.transaction { conn in
            guard let name = try conn.query("DELETE FROM sites WHERE id = $1 RETURNING name", [.int64(id)])
                .decodeColumn(String.self, "name").first
            else { return false }
            try conn.execute("DELETE FROM alerts WHERE site = $1", [.string(name)])
            return true
        }
    }

    /// Column names come only from `SiteInput.writable`, never from the request, so the dynamic SQL is safe.
    private func write<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        do {
            return try await pool.transaction(body)
        } catch let error as PostgresError where error.isUniqueViolation {
            throw APIError.invalid("name", "site with this name already exists.")
        }
    }

    private static func link(spaces: [String], site: Int64, on conn: PostgresConnection) throws {
        let rows = try conn.query("SELECT id, name FROM spaces WHERE name = ANY($1::text[])", [.array(spaces)])
        let found = Dictionary(uniqueKeysWithValues: try rows.map { (try $0.decode(String.self, "name"), try $0.decode(Int64.self, "id")) })
        if let missing = spaces.first(where: { found[$0] == nil }) {
            throw APIError.invalid("spaces", "Object with name=\(missing) does not exist.")
        }
        try conn.execute(
            "INSERT INTO space_sites (space_id, site_id) SELECT unnest($1::int8[]), $2 ON CONFLICT DO NOTHING",
            [.array(spaces.compactMap { found[$0] }), .int64(site)])
    }

    private static func bind(_ value: SiteValue) -> PostgresBind? {
        switch value {
        case .text(let text): .string(text)
        case .integer(let number): .int(number)
        case .number(let number): .double(number)
        case .flag(let flag): .bool(flag)
        case .json(.null), .null: nil
        case .json(let json): (try? PostgresBind.json(encoding: json)) ?? nil
        }
    }
}
