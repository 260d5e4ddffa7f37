import Foundation
import HubCore
import Postgres
import Shared

/// Read side of jobs for the API: rows, per-file outcomes and statistics.
struct JobQueries: Sendable {
    let pool: PostgresPool

    struct JobRow: Sendable {
        var id: Int64
        var workflow: String
        var fields: JSONValue
        var created: Date
        var started: Date?
        var completed: Date?
        var state: String
        var site: String
        var queue: String
        var ownerID: Int64?
        var ownerName: String?
        var system: Bool
        /// The schedule (or policy) that started the job, shown as its owner.
        var scheduleName: String?
        var isSettingsJob: Bool
        /// A policy run: the compiled GPFS policy text the scan ran (issue 7: shown in the job's details).
        var policyText: String?
        var discovery: String?
        var friendlyName: String
        var numfiles: Int64
        var openTasks: Int
        var totalTasks: Int
        var paths: [PathItem]
        /// A discovery task of the job is still open.
        var walking: Bool
    }

    static let select = """
        SELECT j.id, j.workflow_name, j.fields::text AS fields, j.created, j.started, j.completed, j.state, j.site,
               j.queue, j.owner_id, u.username, j.system, j.schedule_name, j.is_settings_job,
               CASE WHEN j.policy_id IS NOT NULL THEN j.request->'discovery_options'->>'policy' END AS policy_text, j.discovery, j.friendly_name, j.numfiles, j.open_tasks,
               j.total_tasks, j.paths::text AS paths,
               (j.open_tasks > 0 AND EXISTS (SELECT 1 FROM tasks t WHERE t.job_id = j.id AND t.kind = 'discovery'
                                                             AND t.state IN ('PENDING', 'STARTED'))) AS walking
        FROM jobs j LEFT JOIN auth_user u ON u.id = j.owner_id
        """

    static func row(_ row: PostgresRow) throws -> JobRow {
        JobRow(
            id: try row.decode(Int64.self, "id"), workflow: try row.decode(String.self, "workflow_name"),
            fields: try WireCoding.decode(JSONValue.self, from: Array(try row.decode(String.self, "fields").utf8)),
            created: try row.decode(Date.self, "created"), started: try row.decode(Date?.self, "started"),
            completed: try row.decode(Date?.self, "completed"), state: try row.decode(String.self, "state"),
            site: try row.decode(String.self, "site"), queue: try row.decode(String.self, "queue"),
            ownerID: try row.decode(Int64?.self, "owner_id"), ownerName: try row.decode(String?.self, "username"),
            system: try row.decode(Bool.self, "system"), scheduleName: try row.decode(String?.self, "schedule_name"),
            isSettingsJob: try row.decode(Bool.self, "is_settings_job"), policyText: try row.decode(String?.self, "policy_text"),
            discovery: try row.decode(String?.self, "discovery"),
            friendlyName: try row.decode(String.self, "friendly_name"), numfiles: try row.decode(Int64.self, "numfiles"),
            openTasks: try row.decode(Int.self, "open_tasks"), totalTasks: try row.decode(Int.self, "total_tasks"),
            paths: try WireCoding.decode([PathItem].self, from: Array(try row.decode(String.self, "paths").utf8)),
            walking: try row.decode(Bool.self, "walking"))
    }

    func count(_ filter: JobFilter) async throws -> Int {
        try await pool.query("SELECT count(*) AS n FROM jobs j " + filter.whereClause(), filter.binds)
            .decodeColumn(Int.self, "n").first ?? 0
    }

    func list(_ filter: JobFilter, limit: Int?, offset: Int) async throws -> [JobRow] {
        let n = filter.binds.count
        return try await pool.query(
            Self.select + " " + filter.whereClause() + " ORDER BY j.id DESC LIMIT $\(n + 1) OFFSET $\(n + 2)",
            filter.binds + [limit.map { .int($0) }, .int(offset)]
        ).map(Self.row)
    }

    func find(id: Int64) async throws -> JobRow? {
        try await pool.query(Self.select + " WHERE j.id = $1", [.int64(id)]).map(Self.row).first
    }

    func taskIDs(job: Int64) async throws -> [Int64] {
        try await pool.query("SELECT id FROM tasks WHERE job_id = $1 ORDER BY id", [.int64(job)]).decodeColumn(Int64.self, "id")
    }

    /// The state of each file after all the job's steps (spec/03 section 17.6): failed at any step, else
    /// aborted at any step, else skipped at every step it reached, else processed.
    static let fileStates = """
        SELECT path, max(size) AS size,
               CASE WHEN bool_or(state = 'failures') THEN 'failures'
                    WHEN bool_or(state = 'aborted') THEN 'aborted'
                    WHEN bool_or(state = 'inprogress') THEN 'inprogress'
                    WHEN bool_and(state = 'skipped') THEN 'skipped'
                    ELSE 'processed' END AS state,
               string_agg(message, E'\\n' ORDER BY task_id) FILTER (WHERE message IS NOT NULL) AS message
        FROM task_files WHERE task_id IN (SELECT id FROM tasks WHERE job_id = $1) AND step GROUP BY path
        """

    /// Files per final state, plus files of tasks cancelled before they ran.
    func fileCounts(job: Int64) async throws -> [String: Int64] {
        var counts: [String: Int64] = [:]
        for row in try await pool.query("SELECT state, count(*) AS n FROM (\(Self.fileStates)) f GROUP BY state", [.int64(job)]) {
            counts[try row.decode(String.self, "state")] = try row.decode(Int64.self, "n")
        }
        counts["cancelled"] =
            try await pool.query(
                "SELECT COALESCE(sum(input_total), 0) AS n FROM tasks WHERE job_id = $1 AND kind = 'step' AND state = 'CANCELLED'",
                [.int64(job)]
            ).decodeColumn(Int64.self, "n").first ?? 0
        return counts
    }

    struct FileRow: Sendable {
        var path: String
        var size: Int64?
        var state: String
        var message: String?
    }

    func fileCount(job: Int64, state: String?) async throws -> Int {
        try await pool.query(
            "SELECT count(*) AS n FROM (\(Self.fileStates)) f WHERE $2::text IS NULL OR f.state = $2",
            [.int64(job), state.map { .string($0) }]
        ).decodeColumn(Int.self, "n").first ?? 0
    }

    func files(job: Int64, state: String?, limit: Int?, offset: Int) async throws -> [FileRow] {
        try await pool.query(
            "SELECT * FROM (\(Self.fileStates)) f WHERE $2::text IS NULL OR f.state = $2 ORDER BY path LIMIT $3 OFFSET $4",
            [.int64(job), state.map { .string($0) }, limit.map { .int($0) }, .int(offset)]
        ).map { row in
            FileRow(
                path: try row.decode(String.self, "path"), size: try row.decode(Int64?.self, "size"),
                state: try row.decode(String.self, "state"), message: try row.decode(String?.self, "message"))
        }
    }
}

extension JobQueries.JobRow {
    /// The manual's job object (L21400-21436).
    func json(base: String, tasks: [Int64]? = nil, counts: [String: Int64]? = nil) -> JSON {
        let end = completed ?? Date()
        var members: [(String, JSON)] = [
            ("url", .string("\(base)/api/jobs/\(id)/")), ("id", .int(id)), ("workflow", .string(workflow)),
            ("fields", JSON(fields)), ("created", JSON(created)), ("started", JSON(started)),
            ("completed", JSON(completed)),
            ("runtime", started.map { .double(max(0, end.timeIntervalSince($0))) } ?? .null),
            ("state", .string(state)), ("site", .string(site)), ("queue", .string(queue)),
            ("owner", ownerJSON), ("discovery", JSON(discovery)),
            ("dir_walk_complete", .bool(!walking)),
            ("is_settings_job", .bool(isSettingsJob)), ("friendly_name", .string(friendlyName)),
            ("progress", .null), ("paths", .array(paths.map { .string($0.path) })), ("numfiles", .int(numfiles)),
        ]
        if let counts {
            members += [
                ("numprocessedfiles", .int(counts["processed"] ?? 0)), ("numskippedfiles", .int(counts["skipped"] ?? 0)),
                ("numabortedfiles", .int(counts["aborted"] ?? 0)), ("numcancelledfiles", .int(counts["cancelled"] ?? 0)),
                ("numfailedfiles", .int(counts["failures"] ?? 0)),
            ]
        }
        if let tasks { members.append(("tasks", .array(tasks.map { .int($0) }))) }
        if let policyText { members.append(("details", ["policy": .string(policyText)])) }
        return .object(members.map { JSON.Member(key: $0.0, value: $0.1) })
    }

    /// `{type, id, name}`: a user, the hub itself (-2, "System") or a deleted user (-1, "Unknown").
    var ownerJSON: JSON {
        if let ownerID, let ownerName { return ["type": "user", "id": .int(ownerID), "name": .string(ownerName)] }
        if system { return ["type": "system", "id": -2, "name": .string(scheduleName ?? "System")] }
        return ["type": "unknown", "id": -1, "name": "Unknown"]
    }
}
