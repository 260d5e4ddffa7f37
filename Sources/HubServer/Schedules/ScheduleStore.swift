import Foundation
import HubCore
import Postgres
import Shared

/// Schedules and their workflows in PostgreSQL, with the rules that need the database: the site and
/// space exist, the workflow exists, and a path is managed by one schedule per site (L11597).
struct ScheduleStore: Sendable {
    let pool: PostgresPool

    static let select = """
        SELECT sc.*, s.name AS site_name, s.timezone AS site_timezone, sp.name AS space_name,
               sc.managed_paths::text AS paths_json, sc.discovery_options::text AS options_json
        FROM schedules sc JOIN sites s ON s.id = sc.site_id LEFT JOIN spaces sp ON sp.id = sc.space_id
        """

    func count(site: Int64?, space: Int64?) async throws -> Int {
        try await pool.query(
            "SELECT count(*) AS n FROM schedules sc WHERE ($1::int8 IS NULL OR sc.site_id = $1) AND ($2::int8 IS NULL OR sc.space_id = $2)",
            [site.map { .int64($0) }, space.map { .int64($0) }]
        ).decodeColumn(Int.self, "n").first ?? 0
    }

    func list(limit: Int?, offset: Int, site: Int64?, space: Int64?) async throws -> [PostgresRow] {
        Array(
            try await pool.query(
                Self.select + " WHERE ($3::int8 IS NULL OR sc.site_id = $3) AND ($4::int8 IS NULL OR sc.space_id = $4) ORDER BY sc.id LIMIT $1 OFFSET $2",
                [limit.map { .int($0) }, .int(offset), site.map { .int64($0) }, space.map { .int64($0) }]))
    }

    func find(id: Int64) async throws -> PostgresRow? {
        try await pool.query(Self.select + " WHERE sc.id = $1", [.int64(id)]).first
    }

    /// Creates or updates (`id` set) a schedule in one transaction; returns its id.
    func save(_ input: ScheduleInput, id: Int64?) async throws -> Int64 {
        try await pool.transaction { conn in
            var current: PostgresRow?
            if let id {
                guard let row = try conn.query(Self.select + " WHERE sc.id = $1 FOR UPDATE OF sc", [.int64(id)]).first else {
                    throw APIError.notFound("Schedule")
                }
                current = row
            }
            var errors = input.problems
            // Site, space.
            var siteID = try current?.decode(Int64.self, "site_id")
            if let site = input.site {
                siteID = try conn.query("SELECT id FROM sites WHERE name = $1", [.string(site)]).decodeColumn(Int64.self, "id").first
                if siteID == nil { errors["site", default: []].append("Object with name=\(site) does not exist.") }
            }
            var spaceID = try current?.decode(Int64?.self, "space_id")
            switch input.space {
            case .absent: break
            case .null: spaceID = nil
            case .value(let space):
                spaceID = try conn.query("SELECT id FROM spaces WHERE name = $1 OR id::text = $1", [.string(space)])
                    .decodeColumn(Int64.self, "id").first
                if spaceID == nil { errors["space", default: []].append("Object with name=\(space) does not exist.") }
            }
            // Cron fields: the stored ones overlaid with the given ones, validated together.
            var cron: [String: String] = [:]
            for key in ScheduleInput.cronKeys { cron[key] = try input.cron[key] ?? current?.decode(String.self, key) ?? "*" }
            do { _ = try CronSpec(fields: cron) } catch let error as ScheduleValidationError { errors.merge(error.fields) { $0 + $1 } }
            // One schedule per path per site.
            var paths = try current.map { try WireCoding.decode([String].self, from: Array(try $0.decode(String.self, "paths_json").utf8)) } ?? []
            if let given = input.managedPaths { paths = given }
            // Paths of a schedule on a space lie inside that space.
            if let spaceID, let mount = try conn.query("SELECT mountpoint FROM spaces WHERE id = $1", [.int64(spaceID)])
                .decodeColumn(String.self, "mountpoint").first
            {
                for path in paths where !PathScope.isWithin(path, mount) {
                    errors["managed_paths", default: []].append("\(path) is outside the schedule's space (\(mount)).")
                }
            }
            if let siteID, !paths.isEmpty {
                // The site's row is the lock that makes check-then-write safe between concurrent requests.
                try conn.execute("SELECT id FROM sites WHERE id = $1 FOR UPDATE", [.int64(siteID)])
                let clash = try conn.query(
                    """
                    SELECT sc.name, p AS path FROM schedules sc, jsonb_array_elements_text(sc.managed_paths) p
                    WHERE sc.site_id = $1 AND ($2::int8 IS NULL OR sc.id <> $2) AND p = ANY($3::text[]) LIMIT 1
                    """, [.int64(siteID), id.map { .int64($0) }, .array(paths)]
                ).first
                if let clash {
                    errors["managed_paths", default: []].append(
                        "\(try clash.decode(String.self, "path")) is already managed on this site by schedule '\(try clash.decode(String.self, "name"))'.")
                }
            }
            if !errors.isEmpty { throw APIError(fields: errors) }
            guard let siteID else { throw APIError.invalid("site", "This field is required.") }

            let name = try input.name ?? current?.decode(String.self, "name") ?? ""
            let binds: [PostgresBind?] = [
                .string(name),
                .int64(siteID), spaceID.map { .int64($0) },
                .string(cron["minute"] ?? "*"), .string(cron["hour"] ?? "*"), .string(cron["day_of_week"] ?? "*"),
                .string(cron["day_of_month"] ?? "*"), .string(cron["month_of_year"] ?? "*"),
                try Self.merge(input.timezone, current, "timezone").map { .string($0) },
                try Self.merge(input.discovery, current, "discovery").map { .string($0) },
                try Self.mergeJSON(input.discoveryOptions, current, "options_json"),
                .bool(try input.enabled ?? current?.decode(Bool.self, "enabled") ?? true),
                try .json(encoding: paths),
                .string(try input.overlap ?? current?.decode(String.self, "overlap") ?? "allow"),
                try Self.mergeDate(input.startDateTime, current).map { .date($0) },
                .bool(try input.firstOccur ?? current?.decode(Bool.self, "first_occur") ?? false),
            ]
            let scheduleID: Int64
            if let id {
                try conn.execute(
                    """
                    UPDATE schedules SET name = $1, site_id = $2, space_id = $3, minute = $4, hour = $5, day_of_week = $6,
                        day_of_month = $7, month_of_year = $8, timezone = $9, discovery = $10, discovery_options = $11,
                        enabled = $12, managed_paths = $13, overlap = $14, start_date_time = $15, first_occur = $16,
                        -- re-enabling does not run what was missed while disabled
                        last_due = CASE WHEN NOT enabled AND $12 THEN now() ELSE last_due END
                    WHERE id = $17
                    """, binds + [.int64(id)])
                scheduleID = id
            } else {
                scheduleID = try conn.query(
                    """
                    INSERT INTO schedules (name, site_id, space_id, minute, hour, day_of_week, day_of_month, month_of_year,
                        timezone, discovery, discovery_options, enabled, managed_paths, overlap, start_date_time, first_occur)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id
                    """, binds
                ).decodeColumn(Int64.self, "id").first ?? 0
            }
            for workflow in input.workflows ?? [] { _ = try Self.saveWorkflow(workflow, schedule: scheduleID, id: nil, on: conn) }
            return scheduleID
        }
    }

    func delete(id: Int64) async throws -> Bool {
        try await pool.execute("DELETE FROM schedules WHERE id = $1", [.int64(id)]) > 0
    }

    // MARK: workflows

    func workflows(schedule: Int64) async throws -> [PostgresRow] {
        Array(try await pool.query(
            "SELECT *, fields::text AS fields_json FROM schedule_workflows WHERE schedule_id = $1 ORDER BY id", [.int64(schedule)]))
    }

    func workflow(_ id: Int64, schedule: Int64) async throws -> PostgresRow? {
        try await pool.query(
            "SELECT *, fields::text AS fields_json FROM schedule_workflows WHERE schedule_id = $1 AND id = $2",
            [.int64(schedule), .int64(id)]
        ).first
    }

    func saveWorkflow(_ input: ScheduleWorkflowInput, schedule: Int64, id: Int64?) async throws -> Int64 {
        try await pool.transaction { conn in
            guard try conn.query("SELECT id FROM schedules WHERE id = $1", [.int64(schedule)]).first != nil else {
                throw APIError.notFound("Schedule")
            }
            return try Self.saveWorkflow(input, schedule: schedule, id: id, on: conn)
        }
    }

    func deleteWorkflow(_ id: Int64, schedule: Int64) async throws -> Bool {
        try await pool.execute("DELETE FROM schedule_workflows WHERE schedule_id = $1 AND id = $2", [.int64(schedule), .int64(id)]) > 0
    }

    private static func saveWorkflow(_ input: ScheduleWorkflowInput, schedule: Int64, id: Int64?, on conn: PostgresConnection) throws -> Int64 {
        var errors: [String: [String]] = [:]
        if let workflow = input.workflow, try conn.query("SELECT 1 FROM workflows WHERE name = $1", [.string(workflow)]).first == nil {
            errors["workflow"] = ["Object with name=\(workflow) does not exist."]
        }
        if let site = input.site, try conn.query("SELECT 1 FROM sites WHERE name = $1", [.string(site)]).first == nil {
            errors["site"] = ["Object with name=\(site) does not exist."]
        }
        if !errors.isEmpty { throw APIError(fields: errors) }
        let fields = try input.fields.map { try PostgresBind.json(encoding: $0) }
        if let id {
            guard
                let updated = try conn.query(
                    """
                    UPDATE schedule_workflows SET workflow = COALESCE($3, workflow), site = COALESCE($4, site),
                        queue = COALESCE($5, queue), fields = COALESCE($6, fields)
                    WHERE schedule_id = $1 AND id = $2 RETURNING id
                    """,
                    [.int64(schedule), .int64(id), input.workflow.map { .string($0) }, input.site.map { .string($0) },
                     input.queue.map { .string($0) }, fields]
                ).decodeColumn(Int64.self, "id").first
            else { throw APIError.notFound("ScheduleWorkflow") }
            return updated
        }
        return try conn.query(
            "INSERT INTO schedule_workflows (schedule_id, workflow, site, queue, fields) VALUES ($1, $2, $3, $4, COALESCE($5, '{}'::jsonb)) RETURNING id",
            [.int64(schedule), .string(input.workflow ?? ""), .string(input.site ?? ""), .string(input.queue ?? "default"), fields]
        ).decodeColumn(Int64.self, "id").first ?? 0
    }

    // MARK: merging a PATCH with the stored row

    private static func merge(_ field: Field<String>, _ row: PostgresRow?, _ column: String) throws -> String? {
        field.applied(to: try row?.decode(String?.self, column))
    }

    private static func mergeJSON(_ field: Field<JSONValue>, _ row: PostgresRow?, _ column: String) throws -> PostgresBind? {
        switch field {
        case .null: return nil
        case .value(let value): return try .json(encoding: value)
        case .absent: return try row?.decode(String?.self, column).map { .json($0) }
        }
    }

    private static func mergeDate(_ field: Field<Date>, _ row: PostgresRow?) throws -> Date? {
        field.applied(to: try row?.decode(Date?.self, "start_date_time"))
    }
}
