import Foundation
import Shared

/// `dynamo.tasks.check_sync_state` (L12312-12320): decides, per file, whether this site's version should
/// be sent to the other site. The site_sync workflow runs it first on `updated` files.
///
/// `sync_preference` `local` (the site_sync default: a one-way sync ignores changes on the destination,
/// L11561) passes every existing file on. `newest` and `ignore` compare with the other site's copy, which
/// needs `stat_paths` run there by the hub; that is not built yet, so those preferences fail the task
/// with that reason rather than guess. A missing file is skipped, or aborted with `abort_outdated`.
struct CheckSyncStateTask: WorkerTask {
    static let name = "dynamo.tasks.check_sync_state"

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        let arguments = TaskArguments(envelope.kwargs)
        let preference = try arguments.choice("sync_preference", ["newest", "local", "ignore"]) ?? "ignore"
        let abortOutdated = try arguments.bool("abort_outdated", default: false)
        guard preference == "local" else {
            throw TaskFailure(
                "check_sync_state with sync_preference '\(preference)' needs the other site's file states "
                    + "(stat_paths), which this version does not provide; use sync_preference 'local'")
        }
        let items = envelope.paths
        let outcomes = try await OffPool.run("check-sync-state") {
            items.map { item -> ToolFileOutcome in
                guard (try? FileSystemCalls.lstatInfo(item.path)) != nil else {
                    return ToolFileOutcome(state: abortOutdated ? .aborted : .skipped, message: "no such file on this site")
                }
                return ToolFileOutcome(state: .processed, message: "local version is sent (sync_preference local)")
            }
        }
        var status = TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started)
        status.add(items, outcomes)
        return TaskOutcome(status: status)
    }
}
