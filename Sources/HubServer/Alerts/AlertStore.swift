import Foundation
import HubCore
import Postgres

/// Stored alerts brought in line with what the rules say now: new conditions open an alert, ongoing ones
/// refresh `timestamp` (and severity, summary), gone ones are cleared. One transaction per round.
enum AlertStore {
    static func sync(_ desired: [DesiredAlert], on conn: PostgresConnection) throws {
        var open: [String: Int64] = [:]
        for row in try conn.query("SELECT id, name, site, node, queue, subject FROM alerts WHERE cleared IS NULL FOR UPDATE") {
            let alert = DesiredAlert(
                name: try row.decode(String.self, "name"), site: try row.decode(String?.self, "site"),
                node: try row.decode(String?.self, "node"), queue: try row.decode(String?.self, "queue"),
                subject: try row.decode(String?.self, "subject"), severity: .info, summary: "")
            open[alert.key] = try row.decode(Int64.self, "id")
        }
        var seen: Set<Int64> = []
        for alert in desired {
            if let id = open[alert.key] {
                seen.insert(id)
                try conn.execute(
                    "UPDATE alerts SET timestamp = now(), severity = $2, summary = $3 WHERE id = $1",
                    [.int64(id), .string(alert.severity.rawValue), .string(alert.summary)])
            } else {
                try conn.execute(
                    "INSERT INTO alerts (name, site, node, queue, subject, severity, summary) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    [
                        .string(alert.name), alert.site.map { .string($0) }, alert.node.map { .string($0) },
                        alert.queue.map { .string($0) }, alert.subject.map { .string($0) }, .string(alert.severity.rawValue),
                        .string(alert.summary),
                    ])
            }
        }
        let gone = open.values.filter { !seen.contains($0) }
        if !gone.isEmpty {
            try conn.execute("UPDATE alerts SET cleared = now() WHERE id = ANY($1::int8[])", [.array(Array(gone))])
        }
    }
}
