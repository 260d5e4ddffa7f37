import Glibc

/// mmcrsnapshot, mmdelsnapshot, mmlssnapshot over manifest snapshots (see `Snapshot`).
enum SnapshotCommands {
    static let createUsage = """
    usage: mmcrsnapshot Device [Fileset:]Snapshot [-j Fileset]
      records the tree of the filesystem (or of the independent fileset) as snapshot Snapshot
    """
    static let deleteUsage = "usage: mmdelsnapshot Device [Fileset:]Snapshot [-j Fileset]"
    static let listUsage = "usage: mmlssnapshot Device [-j Fileset] [-Y]\n  lists the snapshots (all, or those of one fileset)"

    /// Device, snapshot name and fileset from `Device [Fileset:]Snapshot [-j Fileset]`.
    private static func target(_ args: ParsedArgs, tool: String) throws(SimError) -> (SiteConfig, SiteConfig.Filesystem, String, SiteConfig.Fileset?) {
        guard args.positionals.count == 2 else { throw SimError.usage("\(tool) needs Device and Snapshot") }
        let site = try GPFSArgs.site()
        let fs = try GPFSArgs.filesystem(args.positionals[0], in: site)
        var name = args.positionals[1]
        var filesetName = args.value("-j")
        if let colon = name.firstIndex(of: ":") {
            let prefix = String(name[..<colon])
            if let filesetName, filesetName != prefix { throw SimError.usage("fileset given twice: '\(prefix):' and -j \(filesetName)") }
            filesetName = prefix
            name = String(name[name.index(after: colon)...])
        }
        guard SnapshotStore.validName(name) else { throw SimError.usage("invalid snapshot name '\(name)'") }
        var fileset: SiteConfig.Fileset?
        if let filesetName {
            let set = try GPFSArgs.fileset(filesetName, in: fs, site: site)
            guard set.independent else { throw SimError.failure("fileset \(set.name) is not an independent fileset; snapshots need one") }
            fileset = set
        }
        return (site, fs, name, fileset)
    }

    static func create(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, [.value("-j")])
        if args.helpRequested { Output.stdout(createUsage + "\n"); return ExitCode.ok }
        let (site, fs, name, fileset) = try target(args, tool: "mmcrsnapshot")
        let store = SnapshotStore(site: site, filesystem: fs)
        let root = fileset?.junction ?? fs.mount
        guard Posix.isDirectory(root) else { throw SimError.failure("\(root) is not a directory (fileset unlinked?)") }
        // A fileset snapshot stops at nested independent filesets; a global one covers everything.
        var excluded: Set<String> = []
        if fileset != nil {
            for set in site.filesets(of: fs.name) where set.independent && set.junction != root && Paths.relative(set.junction, to: root) != nil {
                excluded.insert(set.junction)
            }
        }
        let id: Int = try store.withLock { () throws(SimError) -> Int in
            if Posix.exists(store.manifestPath(name: name, fileset: fileset?.name)) {
                throw SimError.failure("snapshot \(name) already exists\(fileset.map { " in fileset \($0.name)" } ?? "")")
            }
            Output.stdout("Flushing dirty data for snapshot \(fileset?.name ?? ""):\(name)...\nQuiescing all file system operations.\n")
            let entries = Snapshot.capture(root: root, excluded: excluded, skip: [site.stateDirectory])
            let id = try store.nextId()
            let snapshot = Snapshot(filesystem: fs.name, fileset: fileset?.name, name: name, id: id, createdNs: Posix.nowNs(), root: root, entries: entries)
            do throws(FileError) {
                try Posix.makeDirectories(store.directory(fileset: fileset?.name))
                try Posix.writeTextFileAtomically(store.manifestPath(name: name, fileset: fileset?.name), snapshot.render())
            } catch {
                throw SimError.failure(error.message)
            }
            return id
        }
        Output.stdout("Snapshot \(name) created with id \(id).\n")
        return ExitCode.ok
    }

    static func delete(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, [.value("-j")])
        if args.helpRequested { Output.stdout(deleteUsage + "\n"); return ExitCode.ok }
        let (site, fs, name, fileset) = try target(args, tool: "mmdelsnapshot")
        let store = SnapshotStore(site: site, filesystem: fs)
        try store.withLock { () throws(SimError) in
            let path = store.manifestPath(name: name, fileset: fileset?.name)
            guard Posix.exists(path) else {
                throw SimError.failure("snapshot \(name) does not exist\(fileset.map { " in fileset \($0.name)" } ?? "")")
            }
            Output.stdout("Invalidating snapshot files in \(fileset?.name ?? ""):\(name)...\nDeleting snapshot files...\n")
            guard unlink(path) == 0 else { throw SimError.failure("cannot delete \(path): \(errnoText(errno))") }
            Posix.syncDirectory(Paths.dirname(path))
        }
        Output.stdout("Snapshot \(name) deleted.\n")
        return ExitCode.ok
    }

    static func list(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, [.value("-j"), .flag("-Y"), .flag("-d")])
        if args.helpRequested { Output.stdout(listUsage + "\n"); return ExitCode.ok }
        guard args.positionals.count == 1 else { throw SimError.usage("mmlssnapshot needs one Device") }
        let site = try GPFSArgs.site()
        let fs = try GPFSArgs.filesystem(args.positionals[0], in: site)
        if let j = args.value("-j") { _ = try GPFSArgs.fileset(j, in: fs, site: site) }
        let snapshots = try SnapshotStore(site: site, filesystem: fs).list(fileset: args.value("-j"))
        if args.flag("-Y") {
            let table = YTable("mmlssnapshot", ["filesystemName", "directory", "snapID", "status", "created", "quotas", "data",
                                                "metadata", "fileset", "snapType"])
            var out = table.header
            for s in snapshots {
                out += table.row([fs.name, s.name, String(s.id), "Valid", GPFSDate.format(ns: s.createdNs), "", "0", "0", s.fileset ?? "", ""])
            }
            Output.stdout(out)
        } else if snapshots.isEmpty {
            Output.stdout("No snapshots in file system \(fs.name)\n")
        } else {
            let rows = snapshots.map { [$0.name, String($0.id), "Valid", GPFSDate.format(ns: $0.createdNs), $0.fileset ?? ""] }
            Output.stdout("Snapshots in file system \(fs.name):\n" + Output.table(["Directory", "SnapId", "Status", "Created", "Fileset"], rows))
        }
        return ExitCode.ok
    }
}
