/// A sandbox site: the parsed `ngsim-site.conf` (format in docs/sandbox.md, "Site configuration").
struct SiteConfig {
    static let fileName = "ngsim-site.conf"

    struct Filesystem {
        let name: String
        /// Absolute, normalised mount directory.
        let mount: String
        let blockSize: Int64
    }

    struct Fileset {
        let name: String
        let filesystem: String
        /// Absolute, normalised junction path.
        let junction: String
        let independent: Bool
        let id: Int
    }

    struct Pool {
        let name: String
        let filesystem: String
        let capacity: Int64
        let id: Int
    }

    struct Target {
        let name: String
        /// Absolute directory acting as the object store.
        let directory: String
        let isDefault: Bool
    }

    let name: String
    /// Absolute directory holding `ngsim-site.conf`.
    let directory: String
    let filesystems: [Filesystem]
    /// Configured filesets plus, first for each filesystem, its implicit `root` fileset (id 0).
    let filesets: [Fileset]
    /// Pools per filesystem in configuration order; a filesystem without pools gets `system` of 1 TiB.
    let pools: [Pool]
    let targets: [Target]

    /// Where ngsim keeps its own state (snapshot manifests, locks).
    var stateDirectory: String { directory + "/.ngsim" }

    func filesystem(named name: String) -> Filesystem? { filesystems.first { $0.name == name } }
    func target(named name: String) -> Target? { targets.first { $0.name == name } }
    var defaultTarget: Target? { targets.first { $0.isDefault } }
    func filesets(of fs: String) -> [Fileset] { filesets.filter { $0.filesystem == fs } }
    func fileset(named name: String, in fs: String) -> Fileset? { filesets.first { $0.filesystem == fs && $0.name == name } }
    func pools(of fs: String) -> [Pool] { pools.filter { $0.filesystem == fs } }

    /// The filesystem containing `absPath` and the path relative to its mount, or nil.
    func locate(_ absPath: String) -> (fs: Filesystem, relative: String)? {
        var best: (fs: Filesystem, relative: String)?
        for fs in filesystems {
            if let rel = Paths.relative(absPath, to: fs.mount), best.map({ fs.mount.count > $0.fs.mount.count }) ?? true {
                best = (fs, rel)
            }
        }
        if best != nil { return best }
        // The path may reach the mount through a symlinked directory: compare canonical forms.
        guard let parent = Posix.realPath(Paths.dirname(absPath)) else { return nil }
        let canonical = Paths.join(parent, Paths.basename(absPath))
        for fs in filesystems {
            guard let mount = Posix.realPath(fs.mount), let rel = Paths.relative(canonical, to: mount) else { continue }
            return (fs, rel)
        }
        return nil
    }

    /// The fileset whose junction is the longest prefix of `absPath` within `fs`.
    func fileset(containing absPath: String, in fs: Filesystem) -> Fileset? {
        var best: Fileset?
        for set in filesets(of: fs.name) where Paths.relative(absPath, to: set.junction) != nil {
            if best.map({ set.junction.count > $0.junction.count }) ?? true { best = set }
        }
        return best
    }

    // MARK: - Loading

    /// Loads `<dir>/ngsim-site.conf`; every problem is an environment error (exit 3) naming file and line.
    static func load(directory: String) throws(SimError) -> SiteConfig {
        let path = directory + "/" + fileName
        let text: String
        do { text = try Posix.readTextFile(path) } catch { throw SimError.environment("cannot read site config: \(error.message)") }
        return try parse(text, directory: directory, source: path)
    }

    static func parse(_ text: String, directory: String, source: String) throws(SimError) -> SiteConfig {
        let sections = try INI.parse(text, source: source)
        func fail(_ line: Int, _ message: String) -> SimError { SimError.environment("\(source):\(line): \(message)") }

        var siteName: String?
        var rawFilesystems: [(name: String, line: Int, values: [String: (String, Int)])] = []
        var rawFilesets: [(name: String, line: Int, values: [String: (String, Int)])] = []
        var rawPools: [(name: String, line: Int, values: [String: (String, Int)])] = []
        var rawTargets: [(name: String, line: Int, values: [String: (String, Int)])] = []

        func check(_ section: INI.Section, allowed: Set<String>) throws(SimError) {
            for (key, (_, line)) in section.values where !allowed.contains(key) {
                throw fail(line, "unknown key '\(key)' in section [\(section.kind)\(section.name.map { " " + $0 } ?? "")]")
            }
        }

        for section in sections {
            switch section.kind {
            case "site":
                try check(section, allowed: ["name"])
                guard let (name, line) = section.values["name"] else { throw fail(section.line, "[site] needs 'name'") }
                try validateName(name, what: "site name", line: line, fail: fail)
                siteName = name
            case "filesystem", "fileset", "pool", "target":
                guard let name = section.name else { throw fail(section.line, "[\(section.kind)] needs a name, e.g. [\(section.kind) NAME]") }
                try validateName(name, what: "\(section.kind) name", line: section.line, fail: fail)
                switch section.kind {
                case "filesystem":
                    try check(section, allowed: ["mount", "blocksize"])
                    rawFilesystems.append((name, section.line, section.values))
                case "fileset":
                    try check(section, allowed: ["filesystem", "junction", "independent", "id"])
                    rawFilesets.append((name, section.line, section.values))
                case "pool":
                    try check(section, allowed: ["filesystem", "capacity"])
                    rawPools.append((name, section.line, section.values))
                default:
                    try check(section, allowed: ["directory", "default"])
                    rawTargets.append((name, section.line, section.values))
                }
            default:
                throw fail(section.line, "unknown section [\(section.kind)] (expected site, filesystem, fileset, pool or target)")
            }
        }
        guard let siteName else { throw SimError.environment("\(source): missing [site] section with 'name'") }
        guard !rawFilesystems.isEmpty else { throw SimError.environment("\(source): no [filesystem NAME] section") }

        func resolve(_ value: String, relativeTo base: String) -> String {
            Paths.absolute(value, cwd: base)
        }

        var filesystems: [Filesystem] = []
        for raw in rawFilesystems {
            if filesystems.contains(where: { $0.name == raw.name }) { throw fail(raw.line, "duplicate filesystem '\(raw.name)'") }
            let mount = resolve(raw.values["mount"]?.0 ?? raw.name, relativeTo: directory)
            var blockSize: Int64 = 4 << 20
            if let (text, line) = raw.values["blocksize"] {
                guard let n = Sizes.parse(text), n > 0 else { throw fail(line, "blocksize must be a positive size, got '\(text)'") }
                blockSize = n
            }
            filesystems.append(Filesystem(name: raw.name, mount: mount, blockSize: blockSize))
        }

        func owningFilesystem(_ values: [String: (String, Int)], line: Int) throws(SimError) -> Filesystem {
            if let (fsName, fsLine) = values["filesystem"] {
                guard let fs = filesystems.first(where: { $0.name == fsName }) else { throw fail(fsLine, "unknown filesystem '\(fsName)'") }
                return fs
            }
            guard filesystems.count == 1, let only = filesystems.first else {
                throw fail(line, "'filesystem' is required when the site has several filesystems")
            }
            return only
        }

        var filesets: [Fileset] = filesystems.map { Fileset(name: "root", filesystem: $0.name, junction: $0.mount, independent: true, id: 0) }
        var usedIds: [String: Set<Int>] = [:]
        for fs in filesystems { usedIds[fs.name] = [0] }
        struct Draft { let name: String; let line: Int; let fs: String; let junction: String; let independent: Bool; var id: Int? }
        var drafts: [Draft] = []
        for raw in rawFilesets {
            let fs = try owningFilesystem(raw.values, line: raw.line)
            if raw.name == "root" { throw fail(raw.line, "fileset 'root' is implicit (the filesystem mount)") }
            let junction = resolve(raw.values["junction"]?.0 ?? raw.name, relativeTo: fs.mount)
            guard let rel = Paths.relative(junction, to: fs.mount), !rel.isEmpty else {
                throw fail(raw.values["junction"]?.1 ?? raw.line, "junction of fileset '\(raw.name)' must be inside the mount \(fs.mount)")
            }
            var independent = true
            if let (text, line) = raw.values["independent"] {
                guard let b = parseBool(text) else { throw fail(line, "independent must be yes or no, got '\(text)'") }
                independent = b
            }
            var id: Int?
            if let (text, line) = raw.values["id"] {
                guard let n = Int(text), n > 0 else { throw fail(line, "id must be a positive integer, got '\(text)'") }
                if usedIds[fs.name, default: []].contains(n) { throw fail(line, "fileset id \(n) is used twice in filesystem '\(fs.name)'") }
                usedIds[fs.name, default: []].insert(n)
                id = n
            }
            drafts.append(Draft(name: raw.name, line: raw.line, fs: fs.name, junction: junction, independent: independent, id: id))
        }
        // Automatic ids after the explicit ones are known, so that they never collide.
        for i in drafts.indices where drafts[i].id == nil {
            var n = 1
            while usedIds[drafts[i].fs, default: []].contains(n) { n += 1 }
            usedIds[drafts[i].fs, default: []].insert(n)
            drafts[i].id = n
        }
        for d in drafts {
            if filesets.contains(where: { $0.filesystem == d.fs && $0.name == d.name }) { throw fail(d.line, "duplicate fileset '\(d.name)'") }
            if filesets.contains(where: { $0.filesystem == d.fs && $0.junction == d.junction }) { throw fail(d.line, "two filesets share the junction \(d.junction)") }
            filesets.append(Fileset(name: d.name, filesystem: d.fs, junction: d.junction, independent: d.independent, id: d.id ?? 0))
        }

        var pools: [Pool] = []
        for raw in rawPools {
            let fs = try owningFilesystem(raw.values, line: raw.line)
            if pools.contains(where: { $0.filesystem == fs.name && $0.name == raw.name }) { throw fail(raw.line, "duplicate pool '\(raw.name)'") }
            guard let (text, line) = raw.values["capacity"] else { throw fail(raw.line, "pool '\(raw.name)' needs 'capacity'") }
            guard let capacity = Sizes.parse(text), capacity > 0, capacity <= 1 << 60 else {
                throw fail(line, "capacity must be a size from 1 byte to 1E like 10G, got '\(text)'")
            }
            let id = pools.filter { $0.filesystem == fs.name }.count
            pools.append(Pool(name: raw.name, filesystem: fs.name, capacity: capacity, id: id))
        }
        for fs in filesystems where !pools.contains(where: { $0.filesystem == fs.name }) {
            pools.append(Pool(name: "system", filesystem: fs.name, capacity: 1 << 40, id: 0))
        }

        var targets: [Target] = []
        var sawDefault = false
        for raw in rawTargets {
            if targets.contains(where: { $0.name == raw.name }) { throw fail(raw.line, "duplicate target '\(raw.name)'") }
            guard let (dirText, _) = raw.values["directory"] else { throw fail(raw.line, "target '\(raw.name)' needs 'directory'") }
            var isDefault = false
            if let (text, line) = raw.values["default"] {
                guard let b = parseBool(text) else { throw fail(line, "default must be yes or no, got '\(text)'") }
                if b && sawDefault { throw fail(line, "more than one default target") }
                isDefault = b
                sawDefault = sawDefault || b
            }
            targets.append(Target(name: raw.name, directory: resolve(dirText, relativeTo: directory), isDefault: isDefault))
        }
        // No target marked default: the first one is.
        if !sawDefault, let first = targets.first {
            targets[0] = Target(name: first.name, directory: first.directory, isDefault: true)
        }

        return SiteConfig(name: siteName, directory: directory, filesystems: filesystems, filesets: filesets, pools: pools, targets: targets)
    }

    private static func validateName(_ name: String, what: String, line: Int, fail: (Int, String) -> SimError) throws(SimError) {
        let ok = !name.isEmpty && name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F || b == 0x2E
        } && !name.hasPrefix(".")
        if !ok { throw fail(line, "invalid \(what) '\(name)' (use letters, digits, '-', '_', '.')") }
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F || b == 0x2E
        }
    }

    static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "yes", "true", "1", "on": true
        case "no", "false", "0", "off": false
        default: nil
        }
    }
}

/// A tiny INI reader: `[kind]` or `[kind name]` sections, `key = value` lines, `#`/`;` comment lines.
enum INI {
    struct Section {
        let kind: String
        let name: String?
        let line: Int
        var values: [String: (String, Int)]
    }

    static func parse(_ text: String, source: String) throws(SimError) -> [Section] {
        var sections: [Section] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = String(rawLine).trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw SimError.environment("\(source):\(lineNumber): section header must end with ']'") }
                let inner = String(line.dropFirst().dropLast()).trimmingSpaces()
                let parts = inner.split(separator: " ", maxSplits: 1).map { String($0).trimmingSpaces() }
                guard let kind = parts.first, !kind.isEmpty else { throw SimError.environment("\(source):\(lineNumber): empty section header") }
                sections.append(Section(kind: kind.lowercased(), name: parts.count > 1 ? parts[1] : nil, line: lineNumber, values: [:]))
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw SimError.environment("\(source):\(lineNumber): expected 'key = value', got '\(line)'")
            }
            let key = String(line[..<eq]).trimmingSpaces().lowercased()
            let value = String(line[line.index(after: eq)...]).trimmingSpaces()
            guard !key.isEmpty else { throw SimError.environment("\(source):\(lineNumber): empty key") }
            guard !sections.isEmpty else { throw SimError.environment("\(source):\(lineNumber): '\(key)' outside of any section") }
            if sections[sections.count - 1].values[key] != nil {
                throw SimError.environment("\(source):\(lineNumber): duplicate key '\(key)'")
            }
            sections[sections.count - 1].values[key] = (value, lineNumber)
        }
        return sections
    }
}
