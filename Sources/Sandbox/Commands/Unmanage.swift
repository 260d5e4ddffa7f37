import Glibc

/// `ngunmanage`: end the link between a premigrated file and its object (the object stays).
enum UnmanageCommand {
    static let usage = """
    usage: ngunmanage [--lock-level LEVEL] [--list FILE] [--list0 FILE] [--] PATH...
      premigrated -> resident (HSM xattrs removed; the remote object is kept)
      resident    -> skipped
      migrated    -> failed ("file is offline; recall it first")
    Output and exit codes as ngmigrate (docs/sandbox.md).
    """

    static func run(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, [.value("--lock-level"), .flag("--no-flock")] + Batch.listOptions)
        if args.helpRequested { Output.stdout(usage + "\n"); return ExitCode.ok }
        let level = args.flag("--no-flock") ? "none" : try Batch.lockLevel(args, default: "implicit")
        let paths = try Batch.inputPaths(args)
        let faults = try FaultInjection.fromEnvironment()
        let items = try Batch.resolve(paths)
        return Batch.run(items, faults: faults) { item in
            do throws(FileError) { return try unmanage(item, level: level) } catch { return .failed(error.message) }
        }
    }

    private static func unmanage(_ item: BatchItem, level: String) throws(FileError) -> Outcome {
        guard let info = Posix.lstatInfo(item.absolute) else { return Batch.missingOutcome(errno) }
        if info.isDirectory { return .skipped("is a directory") }
        if info.isSymlink { return .skipped("is a symbolic link") }
        guard info.isRegular else { return .skipped("not a regular file") }
        let fd = Posix.openFile(item.absolute, O_RDONLY | O_NOFOLLOW)
        guard fd >= 0 else { return .failed(errnoText(errno)) }
        defer { close(fd) }
        try Batch.lock(fd, level: level)
        guard let record = try HSMRecord.read(fd: fd) else { return .skipped("file is not managed (resident)") }
        if record.state == .migrated { return .failed("file is offline; recall it first") }
        try HSMRecord.clear(fd: fd)
        fsync(fd)
        return .processed("unmanaged (object \(record.key) kept on \(record.target))")
    }
}
