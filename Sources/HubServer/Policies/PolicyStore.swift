import Foundation
import HubCore
import Postgres
import Shared

/// Policies in PostgreSQL: the definition as HubCore's JSON, validated against what the site reported
/// (its filesystems, pools and spaces) before it is stored.
struct PolicyStore: Sendable {
    let pool: PostgresPool

    static let select = """
        SELECT p.id, p.name, p.site_id, p.enabled, p.created, p.last_due, p.definition::text AS definition,
               s.name AS site_name, s.timezone AS site_timezone
        FROM policies p JOIN sites s ON s.id = p.site_id
        """

    struct Row: Sendable {
        var id: Int64
        var created: Date
        var lastDue: Date?
        var siteName: String
        var definition: PolicyDefinition
    }

    static func row(_ row: PostgresRow) throws -> Row {
        let object = try WireCoding.decode([String: JSONValue].self, from: Array(try row.decode(String.self, "definition").utf8))
        return Row(
            id: try row.decode(Int64.self, "id"), created: try row.decode(Date.self, "created"),
            lastDue: try row.decode(Date?.self, "last_due"), siteName: try row.decode(String.self, "site_name"),
            definition: try Self.parse(object))
    }

    func count() async throws -> Int {
        try await pool.query("SELECT count(*) AS n FROM policies").decodeColumn(Int.self, "n").first ?? 0
    }

    func list(limit: Int?, offset: Int) async throws -> [Row] {
        try await pool.query(Self.select + " ORDER BY p.id LIMIT $1 OFFSET $2", [limit.map { .int($0) }, .int(offset)]).map(Self.row)
    }

    func find(id: Int64) async throws -> Row? {
        try await pool.query(Self.select + " WHERE p.id = $1", [.int64(id)]).map(Self.row).first
    }

    /// Validates `policy` against its site and stores it (new when `id` is nil); returns its id.
    func save(_ policy: PolicyDefinition, id: Int64?) async throws -> Int64 {
        let context = try await Self.context(site: policy.site, pool: pool)
        do { try policy.validate(against: context) } catch { throw APIError(fields: error.fields) }
        let problems = Self.scheduleProblems(policy)
        if !problems.isEmpty { throw APIError(fields: problems) }
        let definition = try PostgresBind.json(encoding: JSONValue.object(policy.jsonObject))
        if let id {
            guard try await pool.execute(
                "UPDATE policies SET name = $2, site_id = $3, enabled = $4, definition = $5 WHERE id = $1",
                [.int64(id), .string(policy.name), .int(policy.site), .bool(policy.enabled), definition]) == 1
            else { throw APIError.notFound("Policy") }
            return id
        }
        return try await pool.query(
            "INSERT INTO policies (name, site_id, enabled, definition) VALUES ($1, $2, $3, $4) RETURNING id",
            [.string(policy.name), .int(policy.site), .bool(policy.enabled), definition]
        ).decodeColumn(Int64.self, "id").first ?? 0
    }

    /// The schedule's cron fields and time zone checked by HubCore's calculator, keyed `schedule.<field>`.
    static func scheduleProblems(_ policy: PolicyDefinition) -> [String: [String]] {
        guard let schedule = policy.schedule else { return [:] }
        var problems: [String: [String]] = [:]
        do {
            _ = try CronSpec(
                minute: schedule.minute, hour: schedule.hour, dayOfWeek: schedule.dayOfWeek, dayOfMonth: schedule.dayOfMonth,
                monthOfYear: schedule.monthOfYear)
        } catch {
            for (field, messages) in error.fields { problems["schedule.\(field)"] = messages }
        }
        do { _ = try ScheduleCalculator.timeZone(identifier: schedule.timezone) } catch {
            for (field, messages) in error.fields { problems["schedule.\(field)"] = messages }
        }
        return problems
    }

    func delete(id: Int64) async throws -> Bool {
        try await pool.execute("DELETE FROM policies WHERE id = $1", [.int64(id)]) > 0
    }

    /// What the site reported: filesystems with their pools (the default pool first), and the spaces on it.
    static func context(site: Int, pool: PostgresPool) async throws -> PolicySiteContext {
        guard try await pool.query("SELECT 1 FROM sites WHERE id = $1", [.int(site)]).first != nil else {
            throw APIError.invalid("site", "Invalid pk \"\(site)\" - object does not exist.")
        }
        let rows = try await pool.query(
            """
            SELECT f.name, f.mountpoint,
                   ARRAY(SELECT p.name FROM storagepools p WHERE p.site_id = f.site_id AND p.filesystem = f.name
                         ORDER BY p.is_default DESC, p.id) AS pools
            FROM filesystems f WHERE f.site_id = $1 ORDER BY f.name
            """, [.int(site)])
        let filesystems = try rows.map { row in
            PolicySiteContext.Filesystem(
                name: try row.decode(String.self, "name"), mount: try row.decode(String.self, "mountpoint"),
                pools: try row.decode([String].self, "pools"))
        }
        var spaces: [Int: String] = [:]
        for row in try await pool.query(
            "SELECT sp.id, sp.mountpoint FROM spaces sp JOIN space_sites ss ON ss.space_id = sp.id WHERE ss.site_id = $1", [.int(site)])
        {
            spaces[Int(try row.decode(Int64.self, "id"))] = try row.decode(String.self, "mountpoint")
        }
        return PolicySiteContext(site: site, filesystems: filesystems, spaces: spaces)
    }

    static func parse(_ object: [String: JSONValue]) throws -> PolicyDefinition {
        do { return try PolicyDefinition.parse(object) } catch { throw APIError(fields: error.fields) }
    }
}
