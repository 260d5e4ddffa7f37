import Glibc

/// `ngsim state PATH...`: the HSM state of each file, for tests and humans.
/// Line: `STATE<TAB>PATH<TAB>size=N allocated=N [target=T sha256=H stub_size=N mtime=S.N key=K]`
/// with STATE resident, premigrated or migrated (`failed`/`skipped` for missing paths and non-files).
/// `key=` comes last so that a key with spaces stays readable.
enum StateCommand {
    static let usage = """
    usage: ngsim state PATH...
      prints STATE<TAB>PATH<TAB>DETAILS per path; STATE is resident, premigrated or migrated
      (failed for a missing path, skipped for directories and symlinks). Exit 1 if a path failed.
    """

    static func run(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, Batch.listOptions)
        if args.helpRequested { Output.stdout(usage + "\n"); return ExitCode.ok }
        let paths = try Batch.inputPaths(args)
        let cwd = Posix.currentDirectory()
        var status = ExitCode.ok
        for path in paths {
            let absolute = Paths.absolute(path, cwd: cwd)
            let line: (String, String)
            do throws(FileError) {
                line = try describe(absolute)
            } catch {
                line = ("failed", error.message)
            }
            if line.0 == "failed" { status = ExitCode.fileErrors }
            Output.stdout("\(line.0)\t\(Output.escape(path))\t\(Output.escape(line.1))\n")
        }
        return status
    }

    private static func describe(_ path: String) throws(FileError) -> (String, String) {
        guard let info = Posix.lstatInfo(path) else { return ("failed", Batch.missingOutcome(errno).message) }
        if info.isDirectory { return ("skipped", "is a directory") }
        if info.isSymlink { return ("skipped", "is a symbolic link") }
        guard info.isRegular else { return ("skipped", "not a regular file") }
        let base = "size=\(info.size) allocated=\(info.allocatedBytes)"
        guard let record = try HSMRecord.read(path: path) else { return ("resident", base) }
        let details = "\(base) target=\(record.target) sha256=\(record.sha256) stub_size=\(record.stubSize) mtime=\(Timestamps.format(record.mtimeNs)) key=\(record.key)"
        return (record.state.rawValue, details)
    }
}
