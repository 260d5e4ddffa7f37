/// `ngsim snapdiff FS OLD NEW [-j FILESET] [--condense-moves] [--with-type]`: what changed between two
/// snapshots, as the snapdiff discovery needs it.
///
/// Lines `created|updated|moved|deleted<TAB>PATH<TAB>SOURCE` (SOURCE is the old path of a move, else
/// empty; `--with-type` appends `<TAB>file|dir|link|other`). Paths are absolute, under NEW's root.
/// Identity is (inode, generation), so a move is a path change of the same file and a reused inode
/// number is not mistaken for one. Order: moved (by new path), deleted (deepest first), created
/// (parents first), updated (by path).
enum SnapDiffCommand {
    static let usage = """
    usage: ngsim snapdiff FS OLD NEW [-j FILESET] [--condense-moves] [--with-type]
      OLD may be '-' (nothing): every entry of NEW is then reported as created.
      created  a path whose file did not exist in OLD
      updated  same file, same path, size/mtime/ctime changed (after a move: size/mtime changed)
      moved    the file of OLD now at another path; SOURCE is the old path
      deleted  a file of OLD that is gone (not reported when its path is now taken by another file)
      --condense-moves  a moved directory is reported once, not once per entry inside it
      --with-type       append the entry type as a fourth column
    """

    enum Change: String {
        case created, updated, moved, deleted
    }

    struct Line {
        let change: Change
        let path: String
        let source: String
        let kind: SnapshotEntry.Kind
    }

    static func run(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, [.value("-j"), .flag("--condense-moves"), .flag("--with-type")])
        if args.helpRequested { Output.stdout(usage + "\n"); return ExitCode.ok }
        guard args.positionals.count == 3 else { throw SimError.usage("snapdiff needs FS OLD NEW") }
        let site = try GPFSArgs.site()
        let fs = try GPFSArgs.filesystem(args.positionals[0], in: site)
        let filesetName = args.value("-j")
        if let filesetName { _ = try GPFSArgs.fileset(filesetName, in: fs, site: site) }
        let store = SnapshotStore(site: site, filesystem: fs)
        func load(_ name: String) throws(SimError) -> Snapshot {
            guard let snapshot = try store.load(name: name, fileset: filesetName) else {
                throw SimError.failure("snapshot \(name) not found\(filesetName.map { " in fileset \($0)" } ?? "") of \(fs.name)")
            }
            return snapshot
        }
        let new = try load(args.positionals[2])
        let oldEntries = args.positionals[1] == "-" ? [] : try load(args.positionals[1]).entries
        let lines = diff(old: oldEntries, new: new.entries, condenseMoves: args.flag("--condense-moves"))
        var out = ""
        for line in lines {
            out += "\(line.change.rawValue)\t\(Output.escape(Paths.join(new.root, line.path)))\t"
            out += line.source.isEmpty ? "" : Output.escape(Paths.join(new.root, line.source))
            if args.flag("--with-type") { out += "\t\(line.kind.rawValue)" }
            out += "\n"
            if out.utf8.count > 1 << 16 { Output.stdout(out); out = "" }
        }
        Output.stdout(out)
        return ExitCode.ok
    }

    static func diff(old: [SnapshotEntry], new: [SnapshotEntry], condenseMoves: Bool) -> [Line] {
        var oldByInode: [UInt64: [Int]] = [:]
        for (i, e) in old.enumerated() { oldByInode[e.inode, default: []].append(i) }
        var oldMatched = [Bool](repeating: false, count: old.count)
        let newPaths = Set(new.map(\.path))

        var moved: [Line] = []
        var created: [Line] = []
        var updated: [Line] = []
        for entry in new {
            let candidates = (oldByInode[entry.inode] ?? []).filter { i in
                let o = old[i]
                return !oldMatched[i] && o.kind == entry.kind
                    && (o.generation == entry.generation || o.generation == 0 || entry.generation == 0)
            }
            // Hard links share an inode: prefer the candidate at the same path.
            guard let index = candidates.first(where: { old[$0].path == entry.path }) ?? candidates.first else {
                created.append(Line(change: .created, path: entry.path, source: "", kind: entry.kind))
                continue
            }
            oldMatched[index] = true
            let previous = old[index]
            if previous.path == entry.path {
                if previous.size != entry.size || previous.mtimeNs != entry.mtimeNs || previous.ctimeNs != entry.ctimeNs {
                    updated.append(Line(change: .updated, path: entry.path, source: "", kind: entry.kind))
                }
            } else {
                moved.append(Line(change: .moved, path: entry.path, source: previous.path, kind: entry.kind))
                // A rename changes ctime by itself; only size and mtime say the content changed.
                if previous.size != entry.size || previous.mtimeNs != entry.mtimeNs {
                    updated.append(Line(change: .updated, path: entry.path, source: "", kind: entry.kind))
                }
            }
        }
        var deleted: [Line] = []
        for (i, e) in old.enumerated() where !oldMatched[i] && !newPaths.contains(e.path) {
            deleted.append(Line(change: .deleted, path: e.path, source: "", kind: e.kind))
        }

        if condenseMoves {
            var movedDirs: [String: String] = [:]
            for m in moved where m.kind == .dir { movedDirs[m.path] = m.source }
            moved = moved.filter { m in
                var ancestor = m.path
                while let slash = ancestor.lastIndex(of: "/") {
                    ancestor = String(ancestor[..<slash])
                    if let oldDir = movedDirs[ancestor] {
                        let suffix = m.path.dropFirst(ancestor.count)
                        return m.source != oldDir + suffix
                    }
                }
                return true
            }
        }

        func ascending(_ a: Line, _ b: Line) -> Bool { a.path.utf8.lexicographicallyPrecedes(b.path.utf8) }
        return moved.sorted(by: ascending) + deleted.sorted { ascending($1, $0) } + created.sorted(by: ascending) + updated.sorted(by: ascending)
    }
}
