import Foundation
import Shared

/// `dynamo.tasks.remove_location_xattrs_for_moved` (L12346-12350): removes the remote location xattrs of
/// every given file. The send and sync workflows run it before `migrate` so that a file moved since its
/// last migration is uploaded under the key of its new path instead of being matched to its old object.
/// A migrated stub keeps its record (it is the only way to its data) and is skipped with that reason.
struct RemoveLocationXattrsTask: WorkerTask {
    static let name = "dynamo.tasks.remove_location_xattrs_for_moved"

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        let items = envelope.paths
        let outcomes = try await OffPool.run("remove-xattrs") { items.map { Self.removeLocation($0.path) } }
        var status = TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started)
        status.add(items, outcomes)
        return TaskOutcome(status: status)
    }

    static func removeLocation(_ path: String) -> ToolFileOutcome {
        do {
            let info = try FileSystemCalls.lstatInfo(path)
            guard info.isRegular else { return ToolFileOutcome(state: .skipped, message: "not a regular file") }
            switch try LocationXattrs.remove(from: path) {
            case .removed: return ToolFileOutcome(state: .processed, message: "remote location xattrs removed")
            case .none: return ToolFileOutcome(state: .skipped, message: "no remote location xattrs")
            case .offline:
                return ToolFileOutcome(
                    state: .skipped, message: "file is offline (migrated): its location is the only reference to its data and is kept")
            }
        } catch {
            return ToolFileOutcome(state: .failures, message: error.description)
        }
    }
}
