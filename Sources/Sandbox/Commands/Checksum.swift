import Glibc

/// `ngsim sha256 FILE...`: SHA-256 in sha256sum's format (`HASH  FILE`), so that the hand-written
/// SHA-256 can be checked against sha256sum.
enum ChecksumCommand {
    static let usage = "usage: ngsim sha256 FILE...\n  prints HASH<two spaces>FILE like sha256sum; '-' reads standard input"

    static func run(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, [])
        if args.helpRequested { Output.stdout(usage + "\n"); return ExitCode.ok }
        guard !args.positionals.isEmpty else { throw SimError.usage("sha256 needs at least one FILE") }
        let io = DataIO()
        var status = ExitCode.ok
        for path in args.positionals {
            let fd = path == "-" ? 0 : Posix.openFile(path, 0)
            guard fd >= 0 else {
                Output.stderr("sha256: \(path): \(errnoText(errno))\n")
                status = ExitCode.fileErrors
                continue
            }
            defer { if fd != 0 { close(fd) } }
            do throws(FileError) {
                let sha = path == "-" ? try io.hashStream(fd) : try io.hash(fd).sha256
                Output.stdout("\(sha)  \(path)\n")
            } catch {
                Output.stderr("sha256: \(path): \(error.message)\n")
                status = ExitCode.fileErrors
            }
        }
        return status
    }
}
