import Glibc

/// `ngmigrate`: copy files to a target and turn them into stubs (or premigrate them).
enum MigrateCommand {
    static let usage = """
    usage: ngmigrate [options] [--] PATH...
      --premigrate            copy to the target but keep the data (state premigrated)
      --stub-size BYTES       keep the first BYTES of each stub allocated (default 0; K/M/G suffixes)
      --overwrite             replace a remote object that has a different hash
      --fail-on-mismatch      fail the file when the remote object has a different hash
      --lock-level LEVEL      partial | implicit (default) | none
      --endpoint TARGET       target to migrate to (default: the site's default target)
      --sync-metadata         for migrated (offline) files, update the remote metadata only
      --abort-missing         report missing files as aborted instead of failed
      --list FILE             read more paths from FILE, one per line
      --list0 FILE            read more paths from FILE, NUL-separated
    Output: one line per path, STATE<TAB>PATH<TAB>MESSAGE (docs/sandbox.md).
    Exit: 0 all processed/skipped, 1 some failed/aborted, 2 usage error, 3 site/target error.
    """

    struct Options {
        var premigrate = false
        var stubSize: Int64 = 0
        var overwrite = false
        var failOnMismatch = false
        var lockLevel = "implicit"
        var endpoint: String?
        var syncMetadata = false
        var abortMissing = false
    }

    static func run(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, [
            .flag("--premigrate"), .value("--stub-size"), .flag("--overwrite"), .flag("--fail-on-mismatch"),
            .value("--lock-level"), .value("--endpoint", "-e"), .flag("--sync-metadata"), .flag("--abort-missing"),
        ] + Batch.listOptions)
        if args.helpRequested { Output.stdout(usage + "\n"); return ExitCode.ok }
        var options = Options()
        options.premigrate = args.flag("--premigrate")
        options.stubSize = try args.size("--stub-size") ?? 0
        options.overwrite = args.flag("--overwrite")
        options.failOnMismatch = args.flag("--fail-on-mismatch")
        if options.overwrite && options.failOnMismatch { throw SimError.usage("--overwrite and --fail-on-mismatch exclude each other") }
        options.lockLevel = try Batch.lockLevel(args, default: "implicit")
        options.endpoint = args.value("--endpoint")
        options.syncMetadata = args.flag("--sync-metadata")
        options.abortMissing = args.flag("--abort-missing")
        let paths = try Batch.inputPaths(args)
        let faults = try FaultInjection.fromEnvironment()
        let items = try Batch.resolve(paths)
        try Batch.checkTargets(items, endpoint: options.endpoint, needDefault: true)
        let io = DataIO()
        return Batch.run(items, faults: faults) { item in
            do throws(FileError) { return try migrate(item, options, io) } catch { return .failed(error.message) }
        }
    }

    private static func migrate(_ item: BatchItem, _ options: Options, _ io: DataIO) throws(FileError) -> Outcome {
        guard let info = Posix.lstatInfo(item.absolute) else { return Batch.missingOutcome(errno, abortMissing: options.abortMissing) }
        if info.isDirectory { return .skipped("is a directory") }
        if info.isSymlink { return .skipped("is a symbolic link") }
        guard info.isRegular else { return .skipped("not a regular file") }
        guard let (fs, relative) = item.site.locate(item.absolute) else {
            return .failed("not inside a filesystem of site \(item.site.name)")
        }
        let site = item.site
        // Stubbing needs write access; a premigrate or metadata sync only reads.
        let writable = !options.premigrate
        let fd = Posix.openFile(item.absolute, (writable ? O_RDWR : O_RDONLY) | O_NOFOLLOW)
        guard fd >= 0 else { return .failed(errnoText(errno)) }
        defer { close(fd) }
        try Batch.lock(fd, level: options.lockLevel)
        let before = try Posix.fstatInfo(fd)
        let record = try HSMRecord.read(fd: fd)

        if let record, record.state == .migrated {
            guard options.syncMetadata else { return .skipped("already migrated") }
            return try syncMetadata(record, before, site: site, options: options, path: item.absolute)
        }

        // Premigrated and unchanged: no second upload, only the stub.
        if let record, record.state == .premigrated, options.endpoint == nil || options.endpoint == record.target,
           before.size == record.size, before.mtimeNs == record.mtimeNs,
           let target = site.target(named: record.target) {
            let store = ObjectStore(target: target)
            let local = try io.hash(fd)
            let after = try Posix.fstatInfo(fd)
            if local.sha256 == record.sha256, after.size == before.size, after.mtimeNs == before.mtimeNs,
               let remote = try store.meta(for: record.key), remote.sha256 == record.sha256 {
                if options.premigrate { return .skipped("already premigrated") }
                try makeStub(fd, before: before, record: record, stubSize: options.stubSize)
                return .processed("migrated to \(target.name) as \(record.key) (data already in the target)")
            }
        }

        guard let target = options.endpoint.flatMap(site.target(named:)) ?? site.defaultTarget else {
            return .failed("site \(site.name) has no target")
        }
        let store = ObjectStore(target: target)
        // A changed premigrated file replaces its own earlier object (same key, the hash it recorded).
        let ownPrevious = (record?.target == target.name) ? record : nil
        var key = ownPrevious?.key ?? (fs.name + "/" + relative)

        let temp = try store.createTemp(for: key)
        var tempOpen = true
        func discard() {
            if tempOpen { close(temp.fd); tempOpen = false }
            unlink(temp.path)
        }
        let copied: (sha256: String?, bytes: Int64)
        do throws(FileError) {
            copied = try io.copy(from: fd, to: temp.fd)
            guard fsync(temp.fd) == 0 else { throw FileError("fsync of the object: \(errnoText(errno))") }
        } catch {
            discard()
            throw error
        }
        let after = try Posix.fstatInfo(fd)
        if after.size != before.size || after.mtimeNs != before.mtimeNs || after.ctimeNs != before.ctimeNs || copied.bytes != before.size {
            discard()
            return .aborted("file changed during migration")
        }
        let sha = copied.sha256 ?? ""
        // Verify what the target now holds, as Ngenea does before it stubs anything.
        let stored = try io.hash(temp.fd)
        close(temp.fd)
        tempOpen = false
        guard stored.sha256 == sha, stored.bytes == before.size else {
            discard()
            return .failed("verification of the uploaded copy failed (hash mismatch)")
        }

        var meta = ObjectMeta(
            key: key, size: before.size, sha256: sha, mode: before.permissions, uid: before.uid, gid: before.gid,
            mtimeNs: before.mtimeNs, sourceSite: site.name, sourcePath: item.absolute, storedNs: Posix.nowNs()
        )
        var note = ""
        if let existing = try store.meta(for: key) {
            if existing.sha256 == sha {
                discard()  // identical content already stored: keep it, refresh its metadata
                try store.writeMeta(meta)
                note = " (identical object already present)"
            } else if options.overwrite || ownPrevious?.sha256 == existing.sha256 {
                try store.commit(temp: temp.path, key: key, meta: meta)
                note = " (replaced the previous object)"
            } else if options.failOnMismatch {
                discard()
                return .failed("remote object \(key) exists with a different hash")
            } else {
                let newKey = ObjectStore.uniqueKey(key)
                let newData = store.dataPath(of: newKey)
                guard rename(temp.path, newData) == 0 else {
                    let e = errno
                    discard()
                    throw FileError("cannot store object \(newKey): \(errnoText(e))")
                }
                key = newKey
                meta.key = newKey
                try store.writeMeta(meta)
                note = " (a different object existed under the plain key)"
            }
        } else {
            try store.commit(temp: temp.path, key: key, meta: meta)
        }

        let newRecord = HSMRecord(
            state: .premigrated, target: target.name, key: key, sha256: sha,
            size: before.size, mtimeNs: before.mtimeNs, stubSize: 0
        )
        if options.premigrate {
            try newRecord.write(fd: fd)
            fsync(fd)
            return .processed("premigrated to \(target.name) as \(key)\(note)")
        }
        try makeStub(fd, before: before, record: newRecord, stubSize: options.stubSize)
        return .processed("migrated to \(target.name) as \(key)\(note)")
    }

    /// Turns an open file into a stub: record first (state migrated), then the data beyond the kept
    /// part is freed by truncating to the stub size and back, so the size stays and the blocks go.
    /// mtime and atime are put back; mode and owner are untouched by truncation.
    static func makeStub(_ fd: Int32, before: FileInfo, record: HSMRecord, stubSize: Int64) throws(FileError) {
        let now = try Posix.fstatInfo(fd)
        guard now.size == before.size, now.mtimeNs == before.mtimeNs, now.inode == before.inode else {
            throw FileError("file changed during migration; not stubbed")
        }
        let keep = min(stubSize, before.size)
        var migrated = record
        migrated.state = .migrated
        migrated.stubSize = keep
        try migrated.write(fd: fd)
        if keep < before.size {
            guard ftruncate(fd, off_t(keep)) == 0, ftruncate(fd, off_t(before.size)) == 0 else {
                throw FileError("ftruncate: \(errnoText(errno))")
            }
        }
        var times = [before.atime, before.mtime]
        guard futimens(fd, &times) == 0 else { throw FileError("futimens: \(errnoText(errno))") }
        guard fsync(fd) == 0 else { throw FileError("fsync: \(errnoText(errno))") }
    }

    private static func syncMetadata(_ record: HSMRecord, _ info: FileInfo, site: SiteConfig, options: Options, path: String) throws(FileError) -> Outcome {
        let targetName = options.endpoint ?? record.target
        guard let target = site.target(named: targetName) else { return .failed("unknown target '\(targetName)' in the file's record") }
        let store = ObjectStore(target: target)
        guard var meta = try store.meta(for: record.key) else { return .failed("remote object \(record.key) not found on \(targetName)") }
        meta.mode = info.permissions
        meta.uid = info.uid
        meta.gid = info.gid
        meta.mtimeNs = info.mtimeNs
        meta.sourcePath = path
        try store.writeMeta(meta)
        return .processed("remote metadata updated")
    }
}
