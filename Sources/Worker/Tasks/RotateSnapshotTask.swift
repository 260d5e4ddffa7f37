import Foundation
import Shared

/// `dynamo.tasks.rotate_snapshot` (L11258, L11897-11911): ends a snapdiff job for its fileset (the task's
/// path, or kwargs `fileset` and `filesystem`). Rotate (the default): the job's snapshot becomes the
/// last synced one and the previous snapshot is deleted. `rollback: true`: the job's snapshot is deleted
/// and the last synced one stays, so the next run sees the same changes again. Either way the fileset's
/// lock is released. Only the job that holds the lock may end it (kwarg `force` overrides).
struct RotateSnapshotTask: WorkerTask {
    static let name = "dynamo.tasks.rotate_snapshot"
    let runner: ToolRunner

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        let arguments = TaskArguments(envelope.kwargs)
        let rollback = try arguments.bool("rollback", default: false)
        let force = try arguments.bool("force", default: false)
        let snapshots = SnapshotCommands(runner: runner)
        let fileset = try await snapshots.fileset(for: envelope, arguments)
        let state = SnapdiffState(fileset: fileset)
        var status = TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started)
        var logs: [String] = []
        let message: String
        if let lock = try await OffPool.run("rotate-state", { try state.currentLock() }) {
            guard lock.job == envelope.jobID || force else {
                throw TaskFailure(
                    "the snapdiff lock of fileset \(fileset.name) is held by job \(lock.job), not job \(envelope.jobID)")
            }
            if rollback {
                if try await snapshots.exists(lock.snapshot, in: fileset) {
                    try await snapshots.delete(lock.snapshot, in: fileset)
                }
                message = "rolled back: deleted \(lock.snapshot); the last synced snapshot stays \(lock.previous)"
            } else {
                try await OffPool.run("rotate-record") { try state.recordLastSnapshot(lock.snapshot) }
                if lock.previous != "-" && lock.previous != lock.snapshot {
                    do {
                        if try await snapshots.exists(lock.previous, in: fileset) {
                            try await snapshots.delete(lock.previous, in: fileset)
                        }
                    } catch {
                        logs.append("previous snapshot \(lock.previous) not deleted: \(error)")
                    }
                }
                message = "rotated: \(lock.snapshot) is the last synced snapshot"
            }
            await OffPool.release(state)
        } else {
            message = "no snapdiff is pending for fileset \(fileset.name); nothing to do"
        }
        logs.insert(message, at: 0)
        for item in envelope.paths { status.add(.processed, FileDetail(path: item.path, message: [message])) }
        return TaskOutcome(status: status, logs: logs)
    }
}
