import Glibc

/// `ngsim install-links DIR`: symlinks named after the tools, pointing at this binary.
enum InstallLinksCommand {
    static let usage = """
    usage: ngsim install-links DIR
      creates DIR/<tool> -> <absolute path of ngsim> for: \(Tools.linkNames.joined(separator: " "))
      existing symlinks are replaced; an existing regular file is an error.
    """

    static func run(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, [])
        if args.helpRequested { Output.stdout(usage + "\n"); return ExitCode.ok }
        guard args.positionals.count == 1 else { throw SimError.usage("install-links needs exactly one DIR") }
        guard let exe = Posix.readLink("/proc/self/exe") else { throw SimError.environment("cannot resolve /proc/self/exe") }
        let dir = Paths.absolute(args.positionals[0], cwd: Posix.currentDirectory())
        do { try Posix.makeDirectories(dir) } catch { throw SimError.environment(error.message) }
        // Temporary links a killed earlier run left behind (a run is over in milliseconds).
        let temporary = Tools.linkNames.map { "." + $0 + ".ngsim-" }
        for entry in (try? Posix.listDirectory(dir)) ?? [] where temporary.contains(where: { entry.hasPrefix($0) }) {
            if Posix.lstatInfo(dir + "/" + entry)?.isSymlink == true { unlink(dir + "/" + entry) }
        }
        for name in Tools.linkNames {
            let link = dir + "/" + name
            if let info = Posix.lstatInfo(link), !info.isSymlink {
                throw SimError.failure("\(link) exists and is not a symlink")
            }
            // Made under a temporary name and renamed over the old link: a tool started meanwhile (a
            // worker already using DIR) finds the old link or the new one, never none.
            let temp = dir + "/." + name + ".ngsim-" + Posix.randomHex(6)
            guard symlink(exe, temp) == 0 else { throw SimError.failure("cannot create \(temp): \(errnoText(errno))") }
            guard rename(temp, link) == 0 else {
                let reason = errnoText(errno)
                unlink(temp)
                throw SimError.failure("cannot rename \(temp) to \(link): \(reason)")
            }
            Output.stdout("\(link) -> \(exe)\n")
        }
        return ExitCode.ok
    }
}
