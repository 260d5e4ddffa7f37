import Foundation
import Shared

/// `dynamo.tasks.check_sync_state` (L12312-12320): decides, per file, whether this site's version should
/// be sent to the other site (`target_site`). The site_sync workflow runs it first on `updated` files.
///
/// - `local` passes every existing file on (the site_sync default: a one-way sync ignores changes on the
///   destination, L11561).
/// - `newest` passes a file when the other site has none, or an older one (modification time).
/// - `ignore` (the task's default) keeps the other site's version: a file passes only when the other
///   site has none.
///
/// The other site's file states come from `stat_paths`, which the hub runs there first and hands over
/// as `remote_stats` (`{local path: {"type", "size", "mtime_ns"} or null}`; docs/engine.md). A file that
/// needs nothing is skipped, or aborted with `abort_outdated`; a file missing here is treated the same way.
/// Either way it is not passed to the next step: only processed files are.
struct CheckSyncStateTask: WorkerTask {
    static let name = "dynamo.tasks.check_sync_state"

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        let arguments = TaskArguments(envelope.kwargs)
        let preference = try arguments.choice("sync_preference", ["newest", "local", "ignore"]) ?? "ignore"
        let abortOutdated = try arguments.bool("abort_outdated", default: false)
        let target = try arguments.string("target_site")
        let other = target ?? "the other site"
        let remote: [String: JSONValue]?
        switch envelope.kwargs["remote_stats"] {
        case nil, .null?: remote = nil
        case .object(let stats)?: remote = stats
        case let value?: throw TaskFailure("remote_stats must be an object, got \(TaskArguments.describe(value))")
        }
        guard preference == "local" || remote != nil else {
            if let target {
                throw TaskFailure(
                    "check_sync_state with sync_preference '\(preference)' has no file states of '\(target)' to compare "
                        + "with: the hub reads them only for a workflow step whose target_site is another site than its own")
            }
            throw TaskFailure(
                "check_sync_state with sync_preference '\(preference)' compares with another site's files, which the "
                    + "hub reads there first: give target_site, the site to compare with")
        }
        let noAction: FileState = abortOutdated ? .aborted : .skipped
        let items = envelope.paths
        let outcomes = try await OffPool.run("check-sync-state") {
            items.map { item -> ToolFileOutcome in
                guard let local = try? FileSystemCalls.lstatInfo(item.path) else {
                    return ToolFileOutcome(state: noAction, message: "no such file on this site")
                }
                guard preference != "local" else {
                    return ToolFileOutcome(state: .processed, message: "local version is sent (sync_preference local)")
                }
                guard let answer = remote?[item.path] else {
                    // Not "absent there": sending on a missing answer could overwrite a newer copy.
                    return ToolFileOutcome(state: .failures, message: "no file state from \(other) for this file")
                }
                guard case .object(let there) = answer else {
                    return ToolFileOutcome(state: .processed, message: "not on \(other)")
                }
                if preference == "ignore" {
                    return ToolFileOutcome(state: noAction, message: "\(other)'s version is kept (sync_preference ignore)")
                }
                guard case .int(let theirs)? = there["mtime_ns"] else {
                    return ToolFileOutcome(state: .failures, message: "\(other) gave no modification time for this file")
                }
                return local.mtimeNanoseconds > theirs
                    ? ToolFileOutcome(state: .processed, message: "local version is newer than \(other)'s")
                    : ToolFileOutcome(state: noAction, message: "\(other)'s version is as new or newer (sync_preference newest)")
            }
        }
        var status = TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started)
        status.add(items, outcomes)
        // Only the files to send go on. Skipped files normally go on too (L9231), but then the check could
        // not stop anything and `abort_outdated` would be the only way to use it; the manual's site_sync
        // does not set it (L12083-12096), so "skipped" here means "not sent, and that is fine".
        let send = zip(items, outcomes).filter { $0.1.state == .processed }.map(\.0)
        return TaskOutcome(status: status, explicitPassedOn: send)
    }
}
