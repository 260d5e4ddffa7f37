import Foundation
import HubCore
import Postgres
import Shared
import Synchronization

/// Job runs by id. A run's resolved workflow never changes once written, so it is read from the database
/// once per hub process and kept.
final class RunCache: Sendable {
    private let runs = Mutex<[Int64: JobRun]>([:])

    func run(_ id: Int64, on conn: PostgresConnection) throws -> JobRun {
        if let run = runs.withLock({ $0[id] }) { return run }
        guard
            let row = try conn.query(
                "SELECT id, job_id, site, resolved::text AS resolved FROM job_runs WHERE id = $1", [.int64(id)]
            ).first
        else { throw EngineError.missingRun(id) }
        let run = JobRun(
            id: id, jobID: try row.decode(Int64.self, "job_id"), site: try row.decode(String.self, "site"),
            resolved: try WireCoding.decode(ResolvedWorkflow.self, from: Array(try row.decode(String.self, "resolved").utf8)))
        runs.withLock {
            if $0.count > 10_000 { $0.removeAll() }
            $0[id] = run
        }
        return run
    }

    func remember(_ run: JobRun) {
        runs.withLock { $0[run.id] = run }
    }
}

enum EngineError: Error, CustomStringConvertible {
    case missingRun(Int64)
    case missingTask(String)
    case underivedPaths(String)

    var description: String {
        switch self {
        case .missingRun(let id): "job run \(id) is missing from the database"
        case .missingTask(let id): "task \(id) was not returned by its INSERT"
        case .underivedPaths(let id): "the paths task \(id) passes on were asked for but not derived from its input"
        }
    }
}
