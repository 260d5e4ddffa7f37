/// `ngsim init SITEDIR --site NAME ...`: creates a site directory, its filesystem and fileset
/// directories, its targets and its config.
enum InitCommand {
    static let usage = """
    usage: ngsim init SITEDIR --site NAME [--filesystem FS] [--mount DIR] [--target NAME=DIR]...
                      [--pool NAME=CAPACITY]... [--fileset NAME[:dependent]]... [--force]
      --site NAME             site (cluster) name
      --filesystem FS         filesystem name (default mmfs1), mounted at SITEDIR/FS unless --mount
      --mount DIR             mount directory of the filesystem
      --target NAME=DIR       an Ngenea target (object store directory); the first is the default.
                              Without any: target 'cloud' at SITEDIR/cloud
      --pool NAME=CAPACITY    a storage pool (capacity like 10G); the first holds new files.
                              Without any: pool 'system' of 1T
      --fileset NAME          an independent fileset linked at <mount>/NAME (':dependent' for dependent)
      --force                 overwrite an existing ngsim-site.conf
    """

    static func run(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, [
            .value("--site"), .value("--filesystem"), .value("--mount"), .value("--target"), .value("--pool"),
            .value("--fileset"), .flag("--force"),
        ])
        if args.helpRequested { Output.stdout(usage + "\n"); return ExitCode.ok }
        guard args.positionals.count == 1 else { throw SimError.usage("init needs exactly one SITEDIR") }
        guard let siteName = args.value("--site") else { throw SimError.usage("init needs --site NAME") }
        guard SiteConfig.isValidName(siteName) else { throw SimError.usage("invalid site name '\(siteName)' (letters, digits, '-', '_', '.')") }
        let fsName = args.value("--filesystem") ?? "mmfs1"
        guard SiteConfig.isValidName(fsName) else { throw SimError.usage("invalid filesystem name '\(fsName)'") }
        let cwd = Posix.currentDirectory()
        let siteDir = Paths.absolute(args.positionals[0], cwd: cwd)
        let confPath = siteDir + "/" + SiteConfig.fileName
        if Posix.exists(confPath) && !args.flag("--force") {
            throw SimError.environment("\(confPath) already exists (use --force to overwrite)")
        }

        func pair(_ text: String, option: String) throws(SimError) -> (String, String) {
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex, text.index(after: eq) != text.endIndex else {
                throw SimError.usage("\(option) needs NAME=VALUE, got '\(text)'")
            }
            let name = String(text[..<eq])
            guard SiteConfig.isValidName(name) else { throw SimError.usage("invalid name '\(name)' in \(option)") }
            return (name, String(text[text.index(after: eq)...]))
        }

        var targets: [(String, String)] = []
        for text in args.allValues("--target") {
            let (name, dir) = try pair(text, option: "--target")
            if targets.contains(where: { $0.0 == name }) { throw SimError.usage("target '\(name)' given twice") }
            targets.append((name, Paths.absolute(dir, cwd: cwd)))
        }
        if targets.isEmpty { targets = [("cloud", siteDir + "/cloud")] }
        var pools: [(String, Int64)] = []
        for text in args.allValues("--pool") {
            let (name, capText) = try pair(text, option: "--pool")
            guard let capacity = Sizes.parse(capText), capacity > 0, capacity <= 1 << 60 else { throw SimError.usage("bad capacity '\(capText)' for pool \(name)") }
            if pools.contains(where: { $0.0 == name }) { throw SimError.usage("pool '\(name)' given twice") }
            pools.append((name, capacity))
        }
        if pools.isEmpty { pools = [("system", 1 << 40)] }
        var filesets: [(String, Bool)] = []
        for text in args.allValues("--fileset") {
            var name = text
            var independent = true
            if text.hasSuffix(":dependent") { name = String(text.dropLast(":dependent".count)); independent = false }
            else if text.hasSuffix(":independent") { name = String(text.dropLast(":independent".count)) }
            guard SiteConfig.isValidName(name), name != "root" else { throw SimError.usage("invalid fileset name '\(name)'") }
            if filesets.contains(where: { $0.0 == name }) { throw SimError.usage("fileset '\(name)' given twice") }
            filesets.append((name, independent))
        }
        let mount = args.value("--mount").map { Paths.absolute($0, cwd: cwd) } ?? siteDir + "/" + fsName

        var conf = """
        # ngsim sandbox site (format: docs/sandbox.md, "Site configuration")
        [site]
        name = \(siteName)

        [filesystem \(fsName)]
        mount = \(mount)
        blocksize = 4M

        """
        for (i, (name, independent)) in filesets.enumerated() {
            conf += "\n[fileset \(name)]\nfilesystem = \(fsName)\njunction = \(name)\nindependent = \(independent ? "yes" : "no")\nid = \(i + 1)\n"
        }
        for (name, capacity) in pools {
            conf += "\n[pool \(name)]\nfilesystem = \(fsName)\ncapacity = \(capacity)\n"
        }
        for (i, (name, dir)) in targets.enumerated() {
            conf += "\n[target \(name)]\ndirectory = \(dir)\ndefault = \(i == 0 ? "yes" : "no")\n"
        }
        // Parse what we are about to write: init never leaves a config the tools reject.
        let site = try SiteConfig.parse(conf, directory: siteDir, source: confPath)
        do {
            try Posix.makeDirectories(siteDir)
            try Posix.makeDirectories(site.stateDirectory)
            for fs in site.filesystems { try Posix.makeDirectories(fs.mount) }
            for set in site.filesets { try Posix.makeDirectories(set.junction) }
            for target in site.targets { try Posix.makeDirectories(target.directory) }
            try Posix.writeTextFileAtomically(confPath, conf)
        } catch {
            throw SimError.environment(error.message)
        }
        Output.stdout("created site \(siteName) in \(siteDir)\n")
        return ExitCode.ok
    }
}
