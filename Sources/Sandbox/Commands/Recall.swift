import Glibc

/// `ngrecall`: bring migrated files back from their target; with `--stub`, create local stubs (or
/// hydrated files) for objects another site migrated to a shared target (reverse stub).
enum RecallCommand {
    static let usage = """
    usage: ngrecall [options] [--] PATH...
           ngrecall --stub [--hydrate] [--stub-size N] [--overwrite] [options] [--] PATH...
      --skip-hash             do not verify the SHA-256 of the recalled data
      --endpoint TARGET       target to recall from (default: the one recorded on the file;
                              for --stub: the site's default target)
      --lock-level LEVEL      partial (default) | implicit | none
      --delete-remote         delete the remote object after a successful recall
      --update-atime          set atime to now (default: keep it)
      --update-mtime          set mtime to now (default: the mtime at migration)
      --stub                  reverse stub: create PATH from the object with key <fs>/<path in fs>
      --hydrate               with --stub: full data, state premigrated, instead of a stub
      --stub-size BYTES       with --stub: keep the first BYTES in the stub (default 0)
      --overwrite             with --stub: replace an existing local file
      --default-uid UID       with --stub: owner when the object records none
      --default-gid GID       with --stub: group when the object records none
      --skip-check-uuid       accepted for compatibility; no effect
      --list FILE             read more paths from FILE, one per line
      --list0 FILE            read more paths from FILE, NUL-separated
    Output: one line per path, STATE<TAB>PATH<TAB>MESSAGE (docs/sandbox.md).
    Exit: 0 all processed/skipped, 1 some failed/aborted, 2 usage error, 3 site/target error.
    """

    struct Options {
        var skipHash = false
        var endpoint: String?
        var lockLevel = "partial"
        var deleteRemote = false
        var updateAtime = false
        var updateMtime = false
        var hydrate = false
        var stubSize: Int64 = 0
        var overwrite = false
        var defaultUid: UInt32?
        var defaultGid: UInt32?
    }

    static func run(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, [
            .flag("--skip-hash"), .value("--endpoint", "-e"), .value("--lock-level"), .flag("--delete-remote"),
            .flag("--update-atime"), .flag("--update-mtime"), .flag("--stub"), .flag("--hydrate"),
            .value("--stub-size"), .flag("--overwrite"), .value("--default-uid"), .value("--default-gid"),
            .flag("--skip-check-uuid"),
        ] + Batch.listOptions)
        if args.helpRequested { Output.stdout(usage + "\n"); return ExitCode.ok }
        var options = Options()
        let reverse = args.flag("--stub")
        options.skipHash = args.flag("--skip-hash")
        options.endpoint = args.value("--endpoint")
        options.lockLevel = try Batch.lockLevel(args, default: reverse ? "implicit" : "partial")
        options.deleteRemote = args.flag("--delete-remote")
        options.updateAtime = args.flag("--update-atime")
        options.updateMtime = args.flag("--update-mtime")
        options.hydrate = args.flag("--hydrate")
        options.stubSize = try args.size("--stub-size") ?? 0
        options.overwrite = args.flag("--overwrite")
        for (name, keyPath) in [("--default-uid", \Options.defaultUid), ("--default-gid", \Options.defaultGid)] {
            if let text = args.value(name) {
                guard let n = UInt32(text) else { throw SimError.usage("\(name) needs a numeric id, got '\(text)'") }
                options[keyPath: keyPath] = n
            }
        }
        if !reverse {
            for flag in ["--hydrate", "--overwrite"] where args.flag(flag) { throw SimError.usage("\(flag) needs --stub") }
            if args.value("--stub-size") != nil { throw SimError.usage("--stub-size needs --stub") }
        } else if options.deleteRemote {
            throw SimError.usage("--delete-remote cannot be used with --stub")
        }
        let paths = try Batch.inputPaths(args)
        let faults = try FaultInjection.fromEnvironment()
        let items = try Batch.resolve(paths)
        try Batch.checkTargets(items, endpoint: options.endpoint, needDefault: reverse)
        let io = DataIO()
        return Batch.run(items, faults: faults) { item in
            do throws(FileError) {
                return reverse ? try ReverseStub.create(item, options, io) : try recall(item, options, io)
            } catch {
                return .failed(error.message)
            }
        }
    }

    private static func recall(_ item: BatchItem, _ options: Options, _ io: DataIO) throws(FileError) -> Outcome {
        guard let info = Posix.lstatInfo(item.absolute) else { return Batch.missingOutcome(errno) }
        if info.isDirectory { return .skipped("is a directory") }
        if info.isSymlink { return .skipped("is a symbolic link") }
        guard info.isRegular else { return .skipped("not a regular file") }
        let fd = Posix.openFile(item.absolute, O_RDWR | O_NOFOLLOW)
        guard fd >= 0 else { return .failed(errnoText(errno)) }
        defer { close(fd) }
        try Batch.lock(fd, level: options.lockLevel)
        guard let record = try HSMRecord.read(fd: fd) else { return .skipped("file is resident") }
        if record.state == .premigrated { return .skipped("file is premigrated (data already online)") }

        let targetName = options.endpoint ?? record.target
        guard let target = item.site.target(named: targetName) else { return .failed("unknown target '\(targetName)' recorded on the file") }
        let store = ObjectStore(target: target)
        guard try store.meta(for: record.key) != nil else { return .failed("remote object \(record.key) not found on \(targetName)") }
        let object = try store.openData(key: record.key)
        defer { close(object) }
        let objectInfo = try Posix.fstatInfo(object)
        guard objectInfo.size == record.size else {
            return .failed("remote object \(record.key) has \(objectInfo.size) bytes, the file \(record.size)")
        }
        // Check before touching the stub, so that a bad object leaves the stub as it was.
        if !options.skipHash {
            let remote = try io.hash(object)
            guard remote.sha256 == record.sha256 else {
                return .failed("hash mismatch: expected \(record.sha256), remote object has \(remote.sha256)")
            }
        }
        let before = try Posix.fstatInfo(fd)
        let copied = try io.copy(from: object, to: fd, hashing: !options.skipHash)
        if let sha = copied.sha256, sha != record.sha256 {
            // The object changed between the check and the copy: put the stub back.
            _ = ftruncate(fd, off_t(record.stubSize))
            _ = ftruncate(fd, off_t(record.size))
            var times = [before.atime, before.mtime]
            _ = futimens(fd, &times)
            return .failed("hash mismatch while copying: the remote object changed")
        }
        guard ftruncate(fd, off_t(record.size)) == 0 else { throw FileError("ftruncate: \(errnoText(errno))") }
        let now = FileInfo.timespecOf(nanoseconds: Posix.nowNs())
        var times = [options.updateAtime ? now : before.atime, options.updateMtime ? now : FileInfo.timespecOf(nanoseconds: record.mtimeNs)]
        guard futimens(fd, &times) == 0 else { throw FileError("futimens: \(errnoText(errno))") }
        guard fsync(fd) == 0 else { throw FileError("fsync: \(errnoText(errno))") }
        try HSMRecord.clear(fd: fd)
        guard fsync(fd) == 0 else { throw FileError("fsync: \(errnoText(errno))") }
        if options.deleteRemote {
            try store.delete(key: record.key)
            return .processed("recalled from \(targetName); remote object deleted")
        }
        return .processed("recalled from \(targetName)")
    }
}
