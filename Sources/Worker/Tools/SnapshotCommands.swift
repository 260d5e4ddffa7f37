import Shared

/// The GPFS snapshot commands and the snapdiff tool, for one fileset. The root fileset uses global
/// snapshots (no `-j`).
struct SnapshotCommands: Sendable {
    let runner: ToolRunner

    /// Snapdiff output can be large (one line per change); bounded all the same.
    static let maxDiffBytes = 1 << 30

    /// The independent fileset a snapdiff task works on: the one whose junction is the task's first path,
    /// or the one named by kwargs `fileset` (and `filesystem` when several have that name).
    func fileset(for envelope: TaskEnvelope, _ arguments: TaskArguments) async throws -> FilesetCatalog.Fileset {
        let catalog = try await FilesetCatalog.load(runner)
        let found: FilesetCatalog.Fileset?
        let wanted: String
        if let name = try arguments.string("fileset") {
            wanted = "fileset \(name)"
            found = catalog.fileset(named: name, filesystem: try arguments.string("filesystem"))
        } else if let path = envelope.paths.first?.path {
            wanted = "a fileset junction at \(path)"
            found = try await OffPool.run("fileset-lookup") { catalog.fileset(junction: path) }
        } else {
            throw TaskFailure("no fileset: give its junction as the path, or kwargs 'fileset' and 'filesystem'")
        }
        guard let fileset = found else {
            throw TaskFailure("snapdiff works on an independent fileset, and there is no \(wanted)")
        }
        guard fileset.independent else {
            throw TaskFailure("fileset \(fileset.name) is dependent; snapdiff needs an independent fileset")
        }
        return fileset
    }

    private func scope(_ fileset: FilesetCatalog.Fileset) -> [String] {
        fileset.name == "root" ? [] : ["-j", fileset.name]
    }

    func exists(_ name: String, in fileset: FilesetCatalog.Fileset) async throws -> Bool {
        let listing = try await runner.runCommand(tool: "mmlssnapshot", arguments: [fileset.filesystem.device] + scope(fileset) + ["-Y"])
        guard listing.status == 0 else {
            throw TaskFailure("mmlssnapshot \(fileset.filesystem.device) exited \(listing.status): \(listing.stderr)")
        }
        return GPFSListing(listing.text).records().contains { $0["directory"] == name }
    }

    func create(_ name: String, in fileset: FilesetCatalog.Fileset) async throws {
        let result = try await runner.runCommand(tool: "mmcrsnapshot", arguments: [fileset.filesystem.device, name] + scope(fileset))
        guard result.status == 0 else {
            throw TaskFailure("mmcrsnapshot \(fileset.filesystem.device) \(name) exited \(result.status): \(result.stderr)")
        }
    }

    func delete(_ name: String, in fileset: FilesetCatalog.Fileset) async throws {
        let result = try await runner.runCommand(tool: "mmdelsnapshot", arguments: [fileset.filesystem.device, name] + scope(fileset))
        guard result.status == 0 else {
            throw TaskFailure("mmdelsnapshot \(fileset.filesystem.device) \(name) exited \(result.status): \(result.stderr)")
        }
    }

    /// `snapdiff Device OLD NEW [-j Fileset] [--condense-moves] --with-type` -> items with `state`,
    /// `source` and `type`. OLD "-" lists everything in NEW as created.
    func diff(from old: String, to new: String, in fileset: FilesetCatalog.Fileset, condenseMoves: Bool) async throws -> [PathItem] {
        let arguments = [fileset.filesystem.device, old, new] + scope(fileset) + (condenseMoves ? ["--condense-moves"] : []) + ["--with-type"]
        let tool = runner.settings.commands["snapdiff"] != nil ? "snapdiff" : "ngsim"
        let leading = tool == "ngsim" ? ["snapdiff"] : []
        let result = try await runner.runCommand(tool: tool, arguments: leading + arguments, maxOutputBytes: Self.maxDiffBytes)
        guard result.status == 0 else {
            throw TaskFailure("snapdiff \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        var items: [PathItem] = []
        for line in result.stdout.split(separator: 0x0A) where !line.isEmpty {
            let fields = line.split(separator: 0x09, omittingEmptySubsequences: false)
            let state = String(decoding: fields[0], as: UTF8.self)
            guard fields.count >= 2, ["created", "updated", "moved", "deleted"].contains(state) else {
                throw TaskFailure("snapdiff printed an unexpected line: \(ToolOutputDecoder.quote(Array(line)))")
            }
            let source = fields.count > 2 && !fields[2].isEmpty ? ToolOutputDecoder.unescape(fields[2]) : nil
            let type = fields.count > 3 ? Self.itemType(String(decoding: fields[3], as: UTF8.self)) : nil
            items.append(PathItem(path: ToolOutputDecoder.unescape(fields[1]), state: state, source: source, type: type))
        }
        return items
    }

    /// snapdiff's `file|dir|link|other` -> the rule types `file|directory|symlink`.
    static func itemType(_ kind: String) -> String {
        switch kind {
        case "dir": "directory"
        case "link": "symlink"
        default: "file"
        }
    }
}
