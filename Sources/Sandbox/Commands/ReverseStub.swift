import Glibc

/// `ngrecall --stub`: make a local file from an object that (usually) another site migrated to a
/// shared target. The key is `<filesystem>/<path inside the filesystem>`, the same rule as ngmigrate,
/// so a site with a filesystem of the same name finds the objects of its peer.
enum ReverseStub {
    static func create(_ item: BatchItem, _ options: RecallCommand.Options, _ io: DataIO) throws(FileError) -> Outcome {
        guard let location = item.site.locate(item.absolute) else {
            return .failed("not inside a filesystem of site \(item.site.name)")
        }
        if location.relative.isEmpty { return .skipped("is a directory") }
        let existing = Posix.lstatInfo(item.absolute)
        if let existing {
            if existing.isDirectory { return .skipped("is a directory") }
            if !options.overwrite { return .skipped("local file exists") }
        }
        let targetName = options.endpoint ?? item.site.defaultTarget?.name ?? ""
        guard let target = item.site.target(named: targetName) else { return .failed("site \(item.site.name) has no target") }
        let store = ObjectStore(target: target)
        let key = location.fs.name + "/" + location.relative
        guard let meta = try store.meta(for: key) else { return .failed("no remote object \(key) on target \(targetName)") }
        let object = try store.openData(key: key)
        defer { close(object) }
        let objectInfo = try Posix.fstatInfo(object)
        guard objectInfo.size == meta.size else {
            return .failed("remote object \(key) has \(objectInfo.size) bytes, its metadata says \(meta.size)")
        }

        let dir = Paths.dirname(item.absolute)
        try Posix.makeDirectories(dir)
        // Built under a temp name and renamed into place: readers never see a half-made file.
        let temp = dir + "/." + Paths.basename(item.absolute) + ".ngsim-" + Posix.randomHex(6)
        let fd = Posix.openFile(temp, O_RDWR | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { return .failed("cannot create \(temp): \(errnoText(errno))") }
        var keepTemp = false
        defer {
            close(fd)
            if !keepTemp { unlink(temp) }
        }
        let keep = options.hydrate ? meta.size : min(options.stubSize, meta.size)
        // Without --skip-hash the whole object is read and hashed, even for a stub.
        let copied = try io.copy(from: object, to: fd, hashing: !options.skipHash, writeLimit: keep,
                                 readLimit: options.skipHash ? keep : nil)
        if let sha = copied.sha256, sha != meta.sha256 {
            return .failed("hash mismatch: object metadata says \(meta.sha256), data has \(sha)")
        }
        guard ftruncate(fd, off_t(meta.size)) == 0 else { throw FileError("ftruncate: \(errnoText(errno))") }
        guard fchmod(fd, mode_t(meta.mode & 0o7777)) == 0 else { throw FileError("fchmod: \(errnoText(errno))") }
        if geteuid() == 0 {
            let uid = meta.uid ?? options.defaultUid ?? 0
            let gid = meta.gid ?? options.defaultGid ?? 0
            guard fchown(fd, uid, gid) == 0 else { throw FileError("fchown: \(errnoText(errno))") }
            // chown clears set-id bits; put the recorded mode back.
            fchmod(fd, mode_t(meta.mode & 0o7777))
        }
        let record = HSMRecord(
            state: options.hydrate ? .premigrated : .migrated, target: target.name, key: key, sha256: meta.sha256,
            size: meta.size, mtimeNs: meta.mtimeNs, stubSize: options.hydrate ? 0 : keep
        )
        try record.write(fd: fd)
        let now = FileInfo.timespecOf(nanoseconds: Posix.nowNs())
        let mtime = options.updateMtime ? now : FileInfo.timespecOf(nanoseconds: meta.mtimeNs)
        var times = [options.updateAtime ? now : mtime, mtime]
        guard futimens(fd, &times) == 0 else { throw FileError("futimens: \(errnoText(errno))") }
        guard fsync(fd) == 0 else { throw FileError("fsync: \(errnoText(errno))") }
        if let existing, existing.isDirectory { return .failed("a directory exists at the path") }
        guard rename(temp, item.absolute) == 0 else { return .failed("cannot rename into place: \(errnoText(errno))") }
        keepTemp = true
        Posix.syncDirectory(dir)
        let verb = options.hydrate ? "hydrated" : "stub created"
        return .processed("\(verb) from \(target.name) object \(key)\(existing != nil ? " (replaced the local file)" : "")")
    }
}
