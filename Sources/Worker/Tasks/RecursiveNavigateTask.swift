import Foundation
import Shared

/// `dynamo.tasks.recursive_navigate` (discovery `recursive`, L12192-12199).
///
/// For each input path: a file or symlink is one item; a directory is an item itself (type
/// `directory`) and so is each of its direct entries (files with their `size`). Every non-empty
/// subdirectory goes into the result's `discover` list, and the hub starts one child discovery per entry
/// with that directory as its only path and kwarg `"child": true`: a child does not report its directory
/// again (its parent did). Symlinks are never followed; `.snapshots` directories are not listed. A
/// missing input path fails, unless `skip_missing` (or `allow_missing_paths`) is true: then it is passed
/// on as an item all the same (L12199).
///
/// The status counts the items found as processed without listing them (they are the result's `paths`);
/// failures and skipped paths are listed with their reasons.
struct RecursiveNavigateTask: WorkerTask {
    static let name = "dynamo.tasks.recursive_navigate"

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        let arguments = TaskArguments(envelope.kwargs)
        let skipMissing = try arguments.bool(anyOf: ["skip_missing", "allow_missing_paths"], default: false)
        let child = try arguments.bool("child", default: false)
        let paths = envelope.paths.map(\.path)
        let found = try await OffPool.run("recursive-navigate") {
            var walker = DirectoryWalker(skipMissing: skipMissing, child: child)
            for path in paths { walker.visit(path) }
            return walker.found
        }
        var status = TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started)
        status.summary[FileState.processed.rawValue] = found.items.count - found.passedMissing.count
        for (state, detail) in found.notes { status.add(state, detail) }
        return TaskOutcome(status: status, explicitPassedOn: found.items, discover: found.discover)
    }
}

/// What one discovery task found.
struct DiscoveryFindings: Sendable {
    var items: [PathItem] = []
    /// Non-empty subdirectories, for child discoveries.
    var discover: [String] = []
    /// Failures and skipped paths with their reasons.
    var notes: [(FileState, FileDetail)] = []
    /// Missing input paths passed on because of `skip_missing`.
    var passedMissing: Set<String> = []
}

/// Lists one level below each input path (blocking).
struct DirectoryWalker {
    let skipMissing: Bool
    let child: Bool
    private(set) var found = DiscoveryFindings()

    init(skipMissing: Bool, child: Bool) {
        self.skipMissing = skipMissing
        self.child = child
    }

    mutating func visit(_ input: String) {
        let path = PathText.normalized(input)
        let info: FileInfo
        do {
            guard let present = try FileSystemCalls.lstatIfPresent(path) else {
                missing(input)
                return
            }
            info = present
        } catch {
            found.notes.append((.failures, FileDetail(path: input, message: [error.description])))
            return
        }
        guard info.isDirectory else {
            found.items.append(item(path, info))
            return
        }
        if !child { found.items.append(item(path, info)) }
        let entries: [DirectoryReader.Entry]
        do {
            entries = try DirectoryReader.entries(path)
        } catch {
            found.notes.append((.failures, FileDetail(path: path, message: ["cannot list the directory: \(error)"])))
            return
        }
        for entry in entries {
            let entryPath = PathText.join(path, entry.name)
            guard entry.validName else {
                found.notes.append((.failures, FileDetail(path: entryPath, message: ["the name is not valid UTF-8"])))
                continue
            }
            guard let entryInfo = entry.info else {
                if let error = entry.statError, !error.isMissing {
                    found.notes.append((.failures, FileDetail(path: entryPath, message: [error.description])))
                }
                continue  // vanished since readdir
            }
            // GPFS's snapshot directory holds read-only copies, not files to act on.
            if entryInfo.isDirectory && Deleter.restrictedNames.contains(entry.name) { continue }
            found.items.append(item(entryPath, entryInfo))
            if entryInfo.isDirectory && DirectoryReader.hasEntries(entryPath) { found.discover.append(entryPath) }
        }
    }

    private func item(_ path: String, _ info: FileInfo) -> PathItem {
        PathItem(path: path, size: info.isDirectory || info.isSymlink ? nil : info.size, type: info.itemType)
    }

    private mutating func missing(_ input: String) {
        if child {
            // The directory went away after the parent listed it: nothing left to discover there.
            found.notes.append((.skipped, FileDetail(path: input, message: ["directory no longer exists"])))
        } else if skipMissing {
            found.items.append(PathItem(path: input))
            found.passedMissing.insert(input)
            found.notes.append((.skipped, FileDetail(path: input, message: ["not on the filesystem; passed on (skip_missing)"])))
        } else {
            found.notes.append((.failures, FileDetail(path: input, message: ["No such file or directory"])))
        }
    }
}
