import Glibc

/// One entry of a snapshot manifest.
struct SnapshotEntry {
    enum Kind: String {
        case file, dir, link, other
    }

    /// Path relative to the snapshot root.
    let path: String
    let kind: Kind
    let inode: UInt64
    /// Inode generation: tells a reused inode number from the file that had it before.
    let generation: UInt64
    let size: Int64
    let mtimeNs: Int64
    let ctimeNs: Int64
    let mode: UInt32
}

/// A snapshot: the recorded tree of a filesystem (global snapshot) or of an independent fileset.
///
/// Stored as a manifest under `<site>/.ngsim/snapshots/<fs>/global/<name>.snap` or
/// `<site>/.ngsim/snapshots/<fs>/fileset/<fileset>/<name>.snap`, written atomically. Format: a line
/// `ngsim-snapshot<TAB>1`, `key<TAB>value` header lines (filesystem, fileset, name, id, created, root),
/// a line `entries<TAB>N`, then one line per entry:
/// `kind<TAB>inode<TAB>generation<TAB>size<TAB>mtime_ns<TAB>ctime_ns<TAB>mode_octal<TAB>escaped_path`.
struct Snapshot {
    var filesystem: String
    /// nil for a global (filesystem) snapshot.
    var fileset: String?
    var name: String
    var id: Int
    var createdNs: Int64
    /// Absolute path the entries are relative to.
    var root: String
    var entries: [SnapshotEntry]

    func render() -> String {
        var out = "ngsim-snapshot\t1\nfilesystem\t\(filesystem)\nfileset\t\(fileset ?? "")\nname\t\(name)\nid\t\(id)\n"
        out += "created\t\(createdNs)\nroot\t\(Output.escape(root))\nentries\t\(entries.count)\n"
        for e in entries {
            out += "\(e.kind.rawValue)\t\(e.inode)\t\(e.generation)\t\(e.size)\t\(e.mtimeNs)\t\(e.ctimeNs)\t\(String(e.mode, radix: 8))\t\(Output.escape(e.path))\n"
        }
        return out
    }

    static func parse(_ text: String, source: String, headerOnly: Bool = false) throws(SimError) -> Snapshot {
        func bad(_ line: Int, _ what: String) -> SimError { SimError.failure("corrupt snapshot manifest \(source):\(line): \(what)") }
        var snapshot = Snapshot(filesystem: "", fileset: nil, name: "", id: 0, createdNs: 0, root: "", entries: [])
        var lineNumber = 0
        var inEntries = false
        var expected = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            lineNumber += 1
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            if lineNumber == 1 {
                guard fields.count == 2, fields[0] == "ngsim-snapshot", fields[1] == "1" else { throw bad(1, "not an ngsim snapshot manifest (version 1)") }
                continue
            }
            if !inEntries {
                guard fields.count == 2 else { throw bad(lineNumber, "expected key<TAB>value") }
                let value = String(fields[1])
                switch fields[0] {
                case "filesystem": snapshot.filesystem = value
                case "fileset": snapshot.fileset = value.isEmpty ? nil : value
                case "name": snapshot.name = value
                case "id": snapshot.id = Int(value) ?? 0
                case "created": snapshot.createdNs = Int64(value) ?? 0
                case "root": snapshot.root = Output.unescape(fields[1])
                case "entries":
                    guard let n = Int(value) else { throw bad(lineNumber, "bad entry count") }
                    expected = n
                    inEntries = true
                    if headerOnly { return snapshot }
                    snapshot.entries.reserveCapacity(n)
                default: throw bad(lineNumber, "unknown key '\(fields[0])'")
                }
                continue
            }
            guard fields.count == 8, let kind = SnapshotEntry.Kind(rawValue: String(fields[0])), let inode = UInt64(fields[1]),
                  let generation = UInt64(fields[2]), let size = Int64(fields[3]), let mtime = Int64(fields[4]),
                  let ctime = Int64(fields[5]), let mode = UInt32(fields[6], radix: 8)
            else { throw bad(lineNumber, "malformed entry") }
            snapshot.entries.append(SnapshotEntry(path: Output.unescape(fields[7]), kind: kind, inode: inode, generation: generation,
                                                  size: size, mtimeNs: mtime, ctimeNs: ctime, mode: mode))
        }
        guard inEntries else { throw bad(lineNumber, "missing entries line") }
        guard snapshot.entries.count == expected else { throw bad(lineNumber, "expected \(expected) entries, found \(snapshot.entries.count) (truncated?)") }
        return snapshot
    }

    /// Records the tree under `root`, without descending into the directories in `excluded`
    /// (the junctions of nested independent filesets, which have their own snapshots).
    static func capture(root: String, excluded: Set<String>, skip: Set<String>) -> [SnapshotEntry] {
        var entries: [SnapshotEntry] = []
        TreeWalker.walk(root: root, skip: skip) { path, rel, info in
            let kind: SnapshotEntry.Kind = info.isRegular ? .file : info.isDirectory ? .dir : info.isSymlink ? .link : .other
            entries.append(SnapshotEntry(path: rel, kind: kind, inode: info.inode, generation: Posix.generation(of: path, info: info),
                                         size: info.size, mtimeNs: info.mtimeNs, ctimeNs: info.ctimeNs, mode: info.permissions))
            return !excluded.contains(path)
        }
        entries.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return entries
    }
}

/// Where snapshots of a filesystem (or of one of its filesets) live, and the lock that serialises changes.
struct SnapshotStore {
    let site: SiteConfig
    let filesystem: SiteConfig.Filesystem

    var baseDirectory: String { "\(site.stateDirectory)/snapshots/\(filesystem.name)" }

    func directory(fileset: String?) -> String {
        if let fileset { return "\(baseDirectory)/fileset/\(fileset)" }
        return "\(baseDirectory)/global"
    }

    func manifestPath(name: String, fileset: String?) -> String { "\(directory(fileset: fileset))/\(name).snap" }

    static func validName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.hasPrefix("-") && name.utf8.count <= 255
            && !name.contains(where: { $0 == "/" || $0 == "\n" || $0 == "\t" || $0 == ":" || $0 == "," })
    }

    /// Runs `body` holding an exclusive flock on the filesystem's snapshot lock file.
    func withLock<T>(_ body: () throws(SimError) -> T) throws(SimError) -> T {
        do { try Posix.makeDirectories(baseDirectory) } catch { throw SimError.failure(error.message) }
        let fd = Posix.openFile(baseDirectory + "/.lock", O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw SimError.failure("cannot open snapshot lock: \(errnoText(errno))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw SimError.failure("cannot lock snapshots: \(errnoText(errno))") }
        }
        return try body()
    }

    func load(name: String, fileset: String?, headerOnly: Bool = false) throws(SimError) -> Snapshot? {
        let path = manifestPath(name: name, fileset: fileset)
        guard Posix.exists(path) else { return nil }
        let text: String
        do { text = try Posix.readTextFile(path) } catch { throw SimError.failure(error.message) }
        return try Snapshot.parse(text, source: path, headerOnly: headerOnly)
    }

    /// Headers of every snapshot (global and per fileset), optionally only those of one fileset.
    func list(fileset only: String?) throws(SimError) -> [Snapshot] {
        var scopes: [String?] = []
        if let only { scopes = [only] } else {
            scopes = [nil] + ((try? Posix.listDirectory(baseDirectory + "/fileset")) ?? []).map { Optional($0) }
        }
        var result: [Snapshot] = []
        for scope in scopes {
            let names = (try? Posix.listDirectory(directory(fileset: scope))) ?? []
            for file in names where file.hasSuffix(".snap") && !file.hasPrefix(".") {
                if let snap = try load(name: String(file.dropLast(5)), fileset: scope, headerOnly: true) { result.append(snap) }
            }
        }
        return result.sorted { $0.id < $1.id }
    }

    /// The next snapshot id of the filesystem (kept in a counter file; caller holds the lock).
    func nextId() throws(SimError) -> Int {
        let path = baseDirectory + "/next-id"
        var id = 1
        if Posix.exists(path), let text = try? Posix.readTextFile(path), let n = Int(text.trimmingSpaces()) { id = n }
        do { try Posix.writeTextFileAtomically(path, "\(id + 1)\n") } catch { throw SimError.failure(error.message) }
        return id
    }
}
