import Foundation
import HubCore
import Postgres
import Shared

/// The job filters of `GET /api/jobs/` and `/api/jobs/stats/` (spec/04 section 18, query set JF), as a
/// parameterised WHERE clause.
struct JobFilter: Sendable {
    private(set) var clauses: [String] = []
    private(set) var binds: [PostgresBind?] = []

    /// Reads the query; a malformed value is a 400 naming the parameter.
    init(_ query: QueryString) throws {
        let states = query.list("state").map { $0.uppercased() }
        if !states.isEmpty {
            for state in states where JobState(rawValue: state) == nil {
                throw APIError.invalid("state", "Select a valid choice. \(state) is not one of the available choices.")
            }
            add("j.state = ANY(?::text[])", .array(states))
        }
        if let workflow = query["workflow"], !workflow.isEmpty { add("j.workflow_name = ?", .string(workflow)) }
        if let site = query["site"], !site.isEmpty { add("j.site = ?", .string(site)) }
        if let queue = query["queue"], !queue.isEmpty { add("j.queue = ?", .string(queue)) }
        let owners = query.list("owner_ids")
        if !owners.isEmpty {
            var ids: [Int64] = []
            for owner in owners {
                guard let id = Int64(owner) else { throw APIError.invalid("owner_ids", "A valid integer is required.") }
                ids.append(id)
            }
            // -1: owner unknown (a deleted user), -2: system jobs (started by schedules, policies, the hub).
            var parts = ["j.owner_id = ANY(?::int8[])"]
            var binds: [PostgresBind?] = [.array(ids.filter { $0 > 0 })]
            if ids.contains(-1) { parts.append("(j.owner_id IS NULL AND NOT j.system)") }
            if ids.contains(-2) { parts.append("j.system") }
            add("(" + parts.joined(separator: " OR ") + ")", binds.removeFirst())
        }
        try date(query, "created_time_from", "j.created >= ?")
        try date(query, "created_time_to", "j.created <= ?")
        try date(query, "completed_time_from", "j.completed >= ?")
        try date(query, "completed_time_to", "j.completed <= ?")
        if let period = query["created"], !period.isEmpty {
            guard let interval = Self.period(period) else {
                throw APIError.invalid("created", "Unknown period '\(period)'; use e.g. 1h, 24h, 7d, 30d.")
            }
            add("j.created >= now() - ?::interval", .string(interval))
        }
        if let prefix = query["input_paths_prefix"], !prefix.isEmpty {
            add(
                "EXISTS (SELECT 1 FROM jsonb_array_elements(j.paths) p WHERE starts_with(p->>'path', ?))", .string(prefix))
        }
        if let keyword = query["search_keyword"], !keyword.isEmpty {
            add("(j.friendly_name ILIKE ? OR j.workflow_name ILIKE ?)", .string("%\(Self.escapeLike(keyword))%"), repeated: 2)
        }
        if query["hide_noop"].map({ ["true", "1", "yes"].contains($0.lowercased()) }) == true {
            // A no-op job: it succeeded without processing a single file.
            clauses.append(
                "NOT (j.state = 'SUCCESS' AND NOT EXISTS (SELECT 1 FROM tasks t JOIN task_files f ON f.task_id = t.id WHERE t.job_id = j.id AND f.step AND f.state = 'processed'))")
        }
    }

    /// `WHERE ...` (or "") with `$n` placeholders numbered from `first`.
    func whereClause(from first: Int = 1) -> String {
        guard !clauses.isEmpty else { return "" }
        var number = first
        var out = ""
        for character in clauses.joined(separator: " AND ") {
            if character == "?" {
                out += "$\(number)"
                number += 1
            } else {
                out.append(character)
            }
        }
        return "WHERE " + out
    }

    private mutating func add(_ clause: String, _ bind: PostgresBind?, repeated: Int = 1) {
        clauses.append(clause)
        binds += Array(repeating: bind, count: repeated)
    }

    private mutating func date(_ query: QueryString, _ key: String, _ clause: String) throws {
        guard let text = query[key], !text.isEmpty else { return }
        guard let date = WireCoding.parseDate(text) else {
            throw APIError.invalid(key, "Datetime has wrong format. Use ISO 8601.")
        }
        add(clause, .date(date))
    }

    /// `1h`, `24h`, `7d`, `30d`, `2w` -> a PostgreSQL interval.
    static func period(_ text: String) -> String? {
        guard let unit = text.last, let amount = Int(text.dropLast()), amount > 0 else { return nil }
        switch unit {
        case "m": return "\(amount) minutes"
        case "h": return "\(amount) hours"
        case "d": return "\(amount) days"
        case "w": return "\(amount * 7) days"
        default: return nil
        }
    }

    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}
