/// `mmlsfileset Device [Fileset[,Fileset...]] [-Y]`: the filesets of a filesystem.
/// An independent fileset has its own inode space; a dependent one shares the space of the
/// independent fileset whose junction contains it (root's, space 0, at the top).
enum MMLsFileset {
    static let usage = """
    usage: mmlsfileset Device [Fileset[,Fileset...]] [-Y] [-L]
      filesets of the filesystem: name, id, status (Linked/Unlinked), junction path, inode space
    """

    static let fields = [
        "filesystemName", "filesetName", "id", "rootInode", "status", "path", "parentId", "created", "inodes",
        "dataInKB", "comment", "filesetMode", "afmTarget", "afmState", "afmMode", "inodeSpace", "isInodeSpaceOwner",
        "maxInodes", "allocInodes", "type",
    ]

    static func run(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, [.flag("-Y"), .flag("-L")])
        if args.helpRequested { Output.stdout(usage + "\n"); return ExitCode.ok }
        guard (1...2).contains(args.positionals.count) else { throw SimError.usage("mmlsfileset needs a Device and optionally fileset names") }
        let site = try GPFSArgs.site()
        let fs = try GPFSArgs.filesystem(args.positionals[0], in: site)
        var filesets = site.filesets(of: fs.name)
        if args.positionals.count == 2 {
            var chosen: [SiteConfig.Fileset] = []
            for name in args.positionals[1].split(separator: ",").map(String.init) {
                chosen.append(try GPFSArgs.fileset(name, in: fs, site: site))
            }
            filesets = chosen
        }
        let spaces = inodeSpaces(site.filesets(of: fs.name))
        var rows: [[String]] = []
        for set in filesets {
            let info = Posix.lstatInfo(set.junction)
            let linked = info?.isDirectory ?? false
            let parent = parentFileset(of: set, in: site.filesets(of: fs.name))
            let space = spaces[set.name] ?? 0
            rows.append([
                fs.name, set.name, String(set.id), String(info?.inode ?? 0), linked ? "Linked" : "Unlinked", set.junction,
                parent.map { String($0.id) } ?? "--", GPFSDate.format(ns: info?.ctimeNs ?? 0), "0", "0", "", "off", "", "", "",
                String(space), set.independent ? "1" : "0", set.independent ? "1048576" : "0", set.independent ? "65536" : "0",
                set.independent ? "independent" : "dependent",
            ])
        }
        if args.flag("-Y") {
            let table = YTable("mmlsfileset", fields)
            var out = table.header
            for row in rows { out += table.row(row) }
            Output.stdout(out)
        } else {
            let table = Output.table(["Name", "Id", "Status", "Path", "InodeSpace", "Type"], rows.map { [$0[1], $0[2], $0[4], $0[5], $0[15], $0[19]] })
            Output.stdout("Filesets in file system '\(fs.name)':\n" + table)
        }
        return ExitCode.ok
    }

    /// Inode space numbers: root 0, independent filesets 1, 2, ... in id order, dependents inherit.
    static func inodeSpaces(_ filesets: [SiteConfig.Fileset]) -> [String: Int] {
        var spaces: [String: Int] = [:]
        var next = 1
        for set in filesets.sorted(by: { $0.id < $1.id }) where set.independent {
            spaces[set.name] = set.id == 0 ? 0 : next
            if set.id != 0 { next += 1 }
        }
        for set in filesets where !set.independent {
            let owner = filesets.filter { $0.independent && $0.name != set.name && Paths.relative(set.junction, to: $0.junction) != nil }
                .max { $0.junction.count < $1.junction.count }
            spaces[set.name] = owner.flatMap { spaces[$0.name] } ?? 0
        }
        return spaces
    }

    /// The fileset whose junction most closely contains this one's (nil for root).
    static func parentFileset(of set: SiteConfig.Fileset, in filesets: [SiteConfig.Fileset]) -> SiteConfig.Fileset? {
        guard set.id != 0 else { return nil }
        return filesets.filter { $0.name != set.name && Paths.relative(set.junction, to: $0.junction) != nil }
            .max { $0.junction.count < $1.junction.count }
    }
}
