import Foundation
import Glibc
import Shared

/// `dynamo.tasks.delete_paths_from_gpfs` (L12305-12310), in process: files and symlinks are unlinked,
/// empty directories removed; with `recursive` a directory's whole tree goes. A fileset junction, a
/// restricted entry (`.snapshots`) or another mounted filesystem is never entered or removed: it is
/// silently kept and the path still counts as processed (the manual's "silently ignore ... report the task
/// as successful"). A path that is not there is skipped (L12623).
struct DeletePathsTask: WorkerTask {
    static let name = "dynamo.tasks.delete_paths_from_gpfs"
    let runner: ToolRunner

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        let recursive = try TaskArguments(envelope.kwargs).bool("recursive", default: false)
        let paths = envelope.paths.map(\.path)
        let needsJunctions = try await OffPool.run("delete-check") {
            paths.contains { (try? FileSystemCalls.lstatInfo($0))?.isDirectory == true }
        }
        // Fileset junctions are only needed when a directory is to be removed.
        let junctions = needsJunctions ? try await FilesetJunctions.load(runner) : FilesetJunctions(paths: [])
        let outcomes = try await OffPool.run("delete-paths") {
            paths.map { Deleter(junctions: junctions).delete($0, recursive: recursive) }
        }
        var status = TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started)
        status.add(envelope.paths, outcomes)
        return TaskOutcome(status: status)
    }
}

/// Deletes one input path (blocking).
struct Deleter {
    let junctions: FilesetJunctions

    /// Names GPFS reserves and a delete must never descend into or remove.
    static let restrictedNames: Set<String> = [".snapshots"]

    func delete(_ path: String, recursive: Bool) -> ToolFileOutcome {
        let info: FileInfo
        switch Self.lstat(path) {
        case .missing: return ToolFileOutcome(state: .skipped, message: "not found (already deleted)")
        case .failed(let error): return ToolFileOutcome(state: .failures, message: error.description)
        case .found(let found): info = found
        }
        guard info.isDirectory else {
            if let error = Self.call({ () throws(SystemError) in try FileSystemCalls.unlinkFile(path) }) {
                return ToolFileOutcome(state: .failures, message: error.description)
            }
            return ToolFileOutcome(state: .processed, message: "")
        }
        if let reason = keepReason(path, info, top: info) {
            return ToolFileOutcome(state: .processed, message: "kept: \(reason)")
        }
        guard recursive else {
            guard let error = Self.call({ () throws(SystemError) in try FileSystemCalls.removeDirectory(path) }) else {
                return ToolFileOutcome(state: .processed, message: "")
            }
            if error.code == ENOTEMPTY || error.code == EEXIST {
                return ToolFileOutcome(state: .failures, message: "directory is not empty (recursive is not set)")
            }
            return ToolFileOutcome(state: .failures, message: error.description)
        }
        var kept: [String] = []
        if let failure = removeTree(path, top: info, kept: &kept) {
            return ToolFileOutcome(state: .failures, message: "\(failure.path): \(failure.error)")
        }
        guard kept.isEmpty else {
            let list = kept.prefix(10).joined(separator: ", ") + (kept.count > 10 ? ", ..." : "")
            return ToolFileOutcome(state: .processed, message: "removed except protected entries: \(list)")
        }
        return ToolFileOutcome(state: .processed, message: "")
    }

    /// Why a directory must be kept, or nil.
    private func keepReason(_ path: String, _ info: FileInfo, top: FileInfo) -> String? {
        if junctions.contains(info) { return "\(path) is a fileset junction" }
        if Self.restrictedNames.contains(PathText.name(of: path)) { return "\(path) is restricted" }
        if info.device != top.device { return "\(path) is another filesystem" }
        return nil
    }

    /// Depth first; protected directories are kept (and so are their ancestors, which stay non-empty).
    /// Entries that vanish meanwhile are fine. Returns the first error.
    private func removeTree(_ path: String, top: FileInfo, kept: inout [String]) -> TreeError? {
        let entries: [String]
        switch Result(catching: { () throws(SystemError) in try DirectoryReader.names(path) }) {
        case .success(let names): entries = names
        case .failure(let error): return error.isMissing ? nil : TreeError(path: path, error: error)
        }
        let keptBefore = kept.count
        for name in entries {
            let child = PathText.join(path, name)
            switch Self.lstat(child) {
            case .missing: continue
            case .failed(let error): return TreeError(path: child, error: error)
            case .found(let info):
                if info.isDirectory {
                    if let reason = keepReason(child, info, top: top) {
                        kept.append(reason)
                    } else if let failure = removeTree(child, top: top, kept: &kept) {
                        return failure
                    }
                } else if let error = Self.call({ () throws(SystemError) in try FileSystemCalls.unlinkFile(child) }), !error.isMissing {
                    return TreeError(path: child, error: error)
                }
            }
        }
        guard kept.count == keptBefore else { return nil }
        if let error = Self.call({ () throws(SystemError) in try FileSystemCalls.removeDirectory(path) }), !error.isMissing {
            return TreeError(path: path, error: error)
        }
        return nil
    }

    enum Lookup {
        case found(FileInfo)
        case missing
        case failed(SystemError)
    }

    static func lstat(_ path: String) -> Lookup {
        switch Result(catching: { () throws(SystemError) in try FileSystemCalls.lstatInfo(path) }) {
        case .success(let info): return .found(info)
        case .failure(let error): return error.isMissing ? .missing : .failed(error)
        }
    }

    /// Runs a call; its error, or nil.
    static func call(_ body: () throws(SystemError) -> Void) -> SystemError? {
        switch Result(catching: body) {
        case .success: return nil
        case .failure(let error): return error
        }
    }

    struct TreeError: Error {
        var path: String
        var error: SystemError
    }
}
