import Foundation
import Shared

/// `dynamo.tasks.snapdiff` (discovery `snapdiff`, L12208-12222; operations L11897-11967).
///
/// For the independent fileset whose junction is the task's path (or kwargs `fileset` and
/// `filesystem`): take the fileset's lock, create the snapshot `ngenea-worker.snapdiff.<timestamp>`, diff
/// it against the last synced one (none on a first run: everything is `created`) and return the
/// changes as items with `state` (created/updated/moved/deleted), `source` for moves, `type` and, for
/// files, `size`. The lock stays held until `dynamo.tasks.rotate_snapshot` rotates or rolls back at the
/// end of the job. The diff command is configurable as `snapdiff` (default: `ngsim snapdiff`).
struct SnapdiffTask: WorkerTask {
    static let name = "dynamo.tasks.snapdiff"
    static let defaultLockThreshold = 86_400
    let runner: ToolRunner

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        let arguments = TaskArguments(envelope.kwargs)
        let condenseMoves = try arguments.bool("condense_moves", default: true)
        let extraFields = try arguments.stringList("extra_fields") ?? []
        let skipOldCtimes = try arguments.bool("skip_old_ctimes", default: false)
        let threshold =
            try arguments.int("lock_threshold", range: 0...Int.max) ?? arguments.int("soft_lock_threshold", range: 0...Int.max)
            ?? Self.defaultLockThreshold
        let snapshots = SnapshotCommands(runner: runner)
        let fileset = try await snapshots.fileset(for: envelope, arguments)
        let state = SnapdiffState(fileset: fileset)
        let wanted = SnapdiffState.Lock(
            job: envelope.jobID, task: envelope.taskID, snapshot: "ngenea-worker.snapdiff.\(Self.timestamp())",
            previous: try await OffPool.run("snapdiff-state") { try state.lastSnapshot() } ?? "-")
        let lock = try await OffPool.run("snapdiff-lock") { try state.acquire(wanted, threshold: threshold) }
        var created = false
        do {
            if !(try await snapshots.exists(lock.snapshot, in: fileset)) {
                try await snapshots.create(lock.snapshot, in: fileset)
                created = true
            }
            let changes = try await snapshots.diff(
                from: lock.previous, to: lock.snapshot, in: fileset, condenseMoves: condenseMoves)
            let rotateDirectory = state.directory
            let withInode = extraFields.contains("inode")
            let items = try await OffPool.run("snapdiff-items") {
                changes.filter { $0.path != rotateDirectory && !$0.path.hasPrefix(rotateDirectory + "/") }
                    .map { Self.complete($0, inode: withInode) }
            }
            var status = TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started)
            status.summary[FileState.processed.rawValue] = items.count
            var logs = [
                "snapshot \(lock.snapshot) of fileset \(fileset.name) (\(fileset.filesystem.device)) against "
                    + (lock.previous == "-" ? "nothing (first run: every entry is created)" : lock.previous)
                    + ": \(items.count) changes"
            ]
            let unsupported = extraFields.filter { $0 != "inode" }
            if !unsupported.isEmpty { logs.append("extra_fields not available from this snapdiff: \(unsupported.joined(separator: ", "))") }
            if skipOldCtimes { logs.append("skip_old_ctimes is not supported by this worker; no entry was skipped") }
            return TaskOutcome(status: status, logs: logs, explicitPassedOn: items)
        } catch {
            // Nothing was handed to the hub: free the fileset now rather than after the lock's expiry.
            if created { try? await snapshots.delete(lock.snapshot, in: fileset) }
            await OffPool.release(state)
            throw error
        }
    }

    /// Size for files, and the inode when `extra_fields` asks for it (from the live file; gone files have neither).
    static func complete(_ item: PathItem, inode: Bool) -> PathItem {
        var item = item
        guard item.state != "deleted", let info = try? FileSystemCalls.lstatInfo(item.path) else { return item }
        if info.isRegular { item.size = info.size }
        if inode { item.additionalMetadata = .object(["inode": .int(Int64(truncatingIfNeeded: info.inode))]) }
        return item
    }

    /// UTC, to the millisecond, without characters a snapshot name may not hold.
    static func timestamp(_ date: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(parts.year ?? 0)\(two(parts.month))\(two(parts.day))T\(two(parts.hour))\(two(parts.minute))\(two(parts.second))"
            + String(format: "%03d", (parts.nanosecond ?? 0) / 1_000_000) + "Z"
    }
}

extension OffPool {
    static func release(_ state: SnapdiffState) async {
        _ = try? await run("snapdiff-unlock") { state.release() }
    }
}
