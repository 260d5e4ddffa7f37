/// The tools ngsim can be, by argv[0] basename or as `ngsim <subcommand>`.
enum Tools {
    static let version = "ngsim 1.0.0 (Ngenea/GPFS sandbox for ngenea-hub)"

    typealias Entry = (name: String, summary: String, run: @Sendable ([String]) throws(SimError) -> Int32)

    /// Names that behave as a tool when ngsim is invoked through a link of that name.
    static let tools: [Entry] = [
        ("ngmigrate", "migrate or premigrate files to a target", MigrateCommand.run),
        ("ngrecall", "recall migrated files; --stub creates reverse stubs", RecallCommand.run),
        ("ngunmanage", "make premigrated files resident again", UnmanageCommand.run),
        ("mmlsfs", "list filesystem attributes", MMLsFs.run),
        ("mmlsfileset", "list filesets", MMLsFileset.run),
        ("mmlspool", "list storage pools with capacity and usage", MMLsPool.run),
        ("mmdf", "pool capacity and free space", MMDf.run),
        ("mmcrsnapshot", "create a snapshot (manifest of the tree)", SnapshotCommands.create),
        ("mmdelsnapshot", "delete a snapshot", SnapshotCommands.delete),
        ("mmlssnapshot", "list snapshots", SnapshotCommands.list),
        ("mmapplypolicy", "run a policy file (subset) over a tree", MMApplyPolicy.run),
        ("mmlscluster", "show the site as a cluster", MMLsCluster.run),
    ]

    /// Subcommands that exist only as `ngsim <name>`.
    static let subcommands: [Entry] = [
        ("init", "create a sandbox site", InitCommand.run),
        ("state", "show the HSM state of files", StateCommand.run),
        ("snapdiff", "differences between two snapshots", SnapDiffCommand.run),
        ("install-links", "create symlinks named after the tools", InstallLinksCommand.run),
        ("sha256", "SHA-256 of files, in sha256sum's format", ChecksumCommand.run),
    ]

    static var linkNames: [String] { tools.map(\.name) }

    static func usage() -> String {
        var text = """
        \(version)
        usage: ngsim <subcommand> [args...]    or, through a link named after a tool: <tool> [args...]
               ngsim --help | --version;  <subcommand> --help for its options

        Sandbox subcommands:

        """
        for entry in subcommands { text += "  " + entry.name.padded(16) + entry.summary + "\n" }
        text += "\nTools (also as ngsim subcommands):\n"
        for entry in tools { text += "  " + entry.name.padded(16) + entry.summary + "\n" }
        text += """

        Environment: NGSIM_SITE (site directory), NGSIM_FAIL, NGSIM_ABORT, NGSIM_SLOW, NGSIM_CRASH (fault injection).
        Exit codes: 0 ok, 1 some files failed/aborted or the operation failed, 2 usage error, 3 site/config error.
        Documentation: docs/sandbox.md

        """
        return text
    }

    /// Runs the tool named by argv[0], or the subcommand in argv[1]; returns the exit code.
    static func main(_ arguments: [String]) -> Int32 {
        let invokedAs = Paths.basename(arguments.first ?? "ngsim")
        var name = invokedAs
        var rest = Array(arguments.dropFirst())
        var entry = tools.first { $0.name == invokedAs }
        if entry == nil {
            guard let first = rest.first else {
                Output.stderr(usage())
                return ExitCode.usage
            }
            switch first {
            case "--help", "-h", "help":
                Output.stdout(usage())
                return ExitCode.ok
            case "--version", "-V", "version":
                Output.stdout(version + "\n")
                return ExitCode.ok
            default:
                break
            }
            entry = (tools + subcommands).first { $0.name == first }
            name = first
            rest.removeFirst()
            if entry == nil {
                Output.stderr("ngsim: unknown subcommand '\(first)' (see ngsim --help)\n")
                return ExitCode.usage
            }
        } else if rest.first == "--version" {
            Output.stdout(version + "\n")
            return ExitCode.ok
        }
        guard let entry else { return ExitCode.usage }
        do {
            return try entry.run(rest)
        } catch {
            Output.stderr("\(name): \(error.message)\n")
            if error.code == ExitCode.usage { Output.stderr("(see \(name) --help)\n") }
            return error.code
        }
    }
}

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
