import Foundation
import Shared

/// `dynamo.tasks.stat_paths` (L12314): the file states of this site for another site's
/// `check_sync_state`, which the hub runs before it (docs/engine.md, "Comparing with another site").
///
/// The answer is the result's `output`: `{"stats": [...]}` in input order, one entry per path,
/// `{"type": "file", "size": 12, "mtime_ns": 1700000000123456789}` or null when nothing is there. No
/// per-file outcomes are reported: the paths are the other site's, and the check step accounts for them.
struct StatPathsTask: WorkerTask {
    static let name = "dynamo.tasks.stat_paths"

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        let paths = envelope.paths.map(\.path)
        let stats = try await OffPool.run("stat-paths") {
            try paths.map { path throws(TaskFailure) -> JSONValue in
                let info: FileInfo?
                do { info = try FileSystemCalls.lstatIfPresent(path) } catch {
                    throw TaskFailure("cannot stat \(path): \(error)")
                }
                guard let info else { return .null }
                return .object([
                    "type": .string(info.itemType), "size": .int(info.size), "mtime_ns": .int(info.mtimeNanoseconds),
                ])
            }
        }
        let status = TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started)
        return TaskOutcome(status: status, explicitPassedOn: [], output: .object(["stats": .array(stats)]))
    }
}
