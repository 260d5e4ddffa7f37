import Foundation
import Glibc
import Shared

/// `dynamo.tasks.move_paths_on_gpfs` (L12322-12331), in process: each item moves from its `source` to
/// its `path` in two steps, so that swaps (A->B with B->A) and chains work. First every source is renamed
/// to a temporary name in its destination's directory, then every temporary name to its destination.
///
/// The temporary name is derived from the task id and the two paths, so a delivery that died between the
/// steps is finished by the next one (an item whose temporary file exists is taken from there, whatever
/// is at its source now). A missing source is skipped when the destination exists (already moved),
/// otherwise it fails. `target_max_age`: an existing destination whose ctime is newer is kept and the
/// source removed instead. `delete_remote_xattrs` removes the moved files' location xattrs.
struct MovePathsTask: WorkerTask {
    static let name = "dynamo.tasks.move_paths_on_gpfs"

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        let arguments = TaskArguments(envelope.kwargs)
        let options = Mover.Options(
            deleteRemoteXattrs: try arguments.bool("delete_remote_xattrs", default: false),
            targetMaxAge: try arguments.int("target_max_age"),
            sourceMissingSignature: envelope.kwargs["source_missing_signature"].map { $0 != .null } ?? false)
        let items = envelope.paths
        let taskID = envelope.taskID
        let outcomes = try await OffPool.run("move-paths") { Mover(options: options, taskID: taskID).move(items) }
        var status = TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started)
        status.add(envelope.paths, outcomes)
        var logs: [String] = []
        if options.sourceMissingSignature {
            logs.append("source_missing_signature is not supported by this worker: a missing source is a failure")
        }
        return TaskOutcome(status: status, logs: logs)
    }
}

/// The two-step move of a task's items (blocking).
struct Mover {
    struct Options: Sendable {
        var deleteRemoteXattrs = false
        var targetMaxAge: Int?
        var sourceMissingSignature = false
    }

    let options: Options
    let taskID: String

    func move(_ items: [PathItem]) -> [ToolFileOutcome] {
        var outcomes = [ToolFileOutcome?](repeating: nil, count: items.count)
        var staged: [(index: Int, temp: String)] = []
        for (index, item) in items.enumerated() {
            switch stage(item) {
            case .done(let outcome): outcomes[index] = outcome
            case .staged(let temp): staged.append((index, temp))
            }
        }
        for (index, temp) in staged {
            outcomes[index] = finish(items[index], temp: temp)
        }
        return outcomes.map { $0 ?? ToolFileOutcome(state: .failures, message: "not moved") }
    }

    enum Stage {
        case done(ToolFileOutcome)
        case staged(String)
    }

    /// Step one: source -> temporary name next to the destination.
    private func stage(_ item: PathItem) -> Stage {
        guard let source = item.source, !source.isEmpty else { return .done(failed("no source given")) }
        let destination = PathText.normalized(item.path)
        let from = PathText.normalized(source)
        if from == destination { return .done(ToolFileOutcome(state: .skipped, message: "source and destination are the same")) }
        let temp = temporaryPath(source: from, destination: destination)
        do {
            if try FileSystemCalls.lstatIfPresent(temp) != nil { return .staged(temp) }  // an earlier delivery's step one
            guard try FileSystemCalls.lstatIfPresent(from) != nil else {
                if try FileSystemCalls.lstatIfPresent(destination) != nil {
                    return .done(ToolFileOutcome(state: .skipped, message: "source is gone and the destination exists (already moved)"))
                }
                return .done(failed("source \(from) not found"))
            }
            if let maxAge = options.targetMaxAge, let existing = try FileSystemCalls.lstatIfPresent(destination),
                existing.ctime > maxAge
            {
                try removeSource(from)
                return .done(ToolFileOutcome(state: .processed, message: "destination is newer than target_max_age; kept it and removed the source"))
            }
            try FileSystemCalls.makeDirectories(PathText.parent(of: destination))
            try FileSystemCalls.renameItem(from, temp)
            return .staged(temp)
        } catch {
            return .done(failed("cannot move \(from): \(error)"))
        }
    }

    /// Step two: temporary name -> destination; on failure the source is put back.
    private func finish(_ item: PathItem, temp: String) -> ToolFileOutcome {
        let destination = PathText.normalized(item.path)
        do {
            try FileSystemCalls.renameItem(temp, destination)
        } catch {
            let source = PathText.normalized(item.source ?? "")
            do {
                try FileSystemCalls.renameItem(temp, source)
                return failed("cannot move to \(destination): \(error); the source is unchanged")
            } catch let restore {
                return failed("cannot move to \(destination): \(error); the data is at \(temp) (putting it back failed: \(restore))")
            }
        }
        guard options.deleteRemoteXattrs else { return ToolFileOutcome(state: .processed, message: "moved from \(item.source ?? "")") }
        let kept = removeLocations(under: destination)
        return ToolFileOutcome(
            state: .processed,
            message: "moved from \(item.source ?? ""); remote location xattrs removed" + (kept > 0 ? " (kept on \(kept) offline files)" : ""))
    }

    /// Removes the location xattrs of the moved file, or of every file below a moved directory; returns
    /// how many offline files kept theirs.
    private func removeLocations(under path: String) -> Int {
        guard let info = try? FileSystemCalls.lstatInfo(path) else { return 0 }
        if info.isRegular { return (try? LocationXattrs.remove(from: path)) == .offline ? 1 : 0 }
        guard info.isDirectory, let entries = try? DirectoryReader.names(path) else { return 0 }
        return entries.reduce(0) { $0 + removeLocations(under: PathText.join(path, $1)) }
    }

    private func removeSource(_ path: String) throws(SystemError) {
        let info = try FileSystemCalls.lstatInfo(path)
        if info.isDirectory { try FileSystemCalls.removeDirectory(path) } else { try FileSystemCalls.unlinkFile(path) }
    }

    /// `.<name>.ngenea-move-<hash>` in the destination's directory: the same for every delivery of this task.
    func temporaryPath(source: String, destination: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in "\(taskID)\u{0}\(source)\u{0}\(destination)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        // Short enough for NAME_MAX (255 bytes) whatever the destination's name.
        var stem = ""
        for character in PathText.name(of: destination) {
            guard stem.utf8.count + character.utf8.count <= 100 else { break }
            stem.append(character)
        }
        let name = ".\(stem).ngenea-move-\(String(repeating: "0", count: 16 - hex.count))\(hex)"
        return PathText.join(PathText.parent(of: destination), name)
    }

    private func failed(_ message: String) -> ToolFileOutcome {
        ToolFileOutcome(state: .failures, message: message)
    }
}
