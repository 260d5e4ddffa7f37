import Glibc

/// The metadata sidecar of an object (`<key>@meta`, one JSON object).
struct ObjectMeta {
    var key: String
    var size: Int64
    var sha256: String
    var mode: UInt32
    var uid: UInt32?
    var gid: UInt32?
    var mtimeNs: Int64
    var sourceSite: String
    var sourcePath: String
    var storedNs: Int64

    func json() -> String {
        var mode = String(self.mode, radix: 8)
        while mode.count < 4 { mode = "0" + mode }
        return JSON.object([
            ("key", .string(key)),
            ("size", .int(size)),
            ("sha256", .string(sha256)),
            ("mode", .string(mode)),
            ("uid", uid.map { .int(Int64($0)) } ?? .null),
            ("gid", gid.map { .int(Int64($0)) } ?? .null),
            ("mtime", .string(Timestamps.format(mtimeNs))),
            ("source_site", .string(sourceSite)),
            ("source_path", .string(sourcePath)),
            ("stored", .string(Timestamps.format(storedNs))),
        ]) + "\n"
    }

    static func parse(_ text: String, path: String) throws(FileError) -> ObjectMeta {
        let fields: [String: JSON.Scalar]
        do { fields = try JSON.parseFlatObject(text) } catch { throw FileError("corrupt object metadata \(path): \(error.message)") }
        func bad(_ name: String) -> FileError { FileError("corrupt object metadata \(path): bad or missing '\(name)'") }
        guard let key = fields["key"]?.string else { throw bad("key") }
        guard let size = fields["size"]?.int, size >= 0 else { throw bad("size") }
        guard let sha = fields["sha256"]?.string, sha.utf8.count == 64 else { throw bad("sha256") }
        guard let modeText = fields["mode"]?.string, let mode = UInt32(modeText, radix: 8) else { throw bad("mode") }
        guard let mtimeText = fields["mtime"]?.string, let mtime = Timestamps.parse(mtimeText) else { throw bad("mtime") }
        func id(_ name: String) -> UInt32? { fields[name]?.int.flatMap { UInt32(exactly: $0) } }
        return ObjectMeta(
            key: key, size: size, sha256: sha, mode: mode, uid: id("uid"), gid: id("gid"), mtimeNs: mtime,
            sourceSite: fields["source_site"]?.string ?? "", sourcePath: fields["source_path"]?.string ?? "",
            storedNs: fields["stored"]?.string.flatMap(Timestamps.parse) ?? 0
        )
    }
}

/// A target directory used as an object store.
///
/// Layout: the key `mmfs1/dir/file` lives at `<target>/mmfs1/dir/file@data` with its sidecar
/// `<target>/mmfs1/dir/file@meta`. Key components are escaped (`%` → `%25`, `@` → `%40`) so that a
/// directory name never contains `@` and never collides with an object, even when a key is both an
/// object and (later) a prefix. The sidecar is the commit point: an object exists iff its `@meta` exists.
struct ObjectStore {
    let target: SiteConfig.Target

    static func escapeComponent(_ component: Substring) -> String {
        guard component.utf8.contains(where: { $0 == 0x25 || $0 == 0x40 }) else { return String(component) }
        var out = ""
        for ch in component {
            switch ch {
            case "%": out += "%25"
            case "@": out += "%40"
            default: out.append(ch)
            }
        }
        return out
    }

    /// The object's path without suffix.
    func location(of key: String) -> String {
        target.directory + "/" + key.split(separator: "/", omittingEmptySubsequences: true).map(Self.escapeComponent).joined(separator: "/")
    }

    func dataPath(of key: String) -> String { location(of: key) + "@data" }
    func metaPath(of key: String) -> String { location(of: key) + "@meta" }

    /// The object's metadata, or nil when there is no such object.
    func meta(for key: String) throws(FileError) -> ObjectMeta? {
        let path = metaPath(of: key)
        guard Posix.exists(path) else { return nil }
        return try ObjectMeta.parse(try Posix.readTextFile(path), path: path)
    }

    /// A new temp file next to where the object's data will go (same directory, so rename is atomic).
    func createTemp(for key: String) throws(FileError) -> (path: String, fd: Int32) {
        let location = location(of: key)
        try Posix.makeDirectories(Paths.dirname(location))
        let path = location + "@tmp-" + Posix.randomHex(8)
        let fd = Posix.openFile(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw FileError("cannot create object temp file \(path): \(errnoText(errno))") }
        return (path, fd)
    }

    /// Moves a complete, fsynced temp file into place as `key`'s data, then writes the sidecar.
    func commit(temp: String, key: String, meta: ObjectMeta) throws(FileError) {
        let data = dataPath(of: key)
        guard rename(temp, data) == 0 else {
            let e = errno
            unlink(temp)
            throw FileError("cannot store object \(key): \(errnoText(e))")
        }
        try writeMeta(meta)
    }

    func writeMeta(_ meta: ObjectMeta) throws(FileError) {
        let path = metaPath(of: meta.key)
        try Posix.makeDirectories(Paths.dirname(path))
        try Posix.writeTextFileAtomically(path, meta.json())
    }

    /// Removes the object: sidecar first (the commit point), then the data.
    func delete(key: String) throws(FileError) {
        if unlink(metaPath(of: key)) != 0 && errno != ENOENT { throw FileError("cannot delete object \(key): \(errnoText(errno))") }
        if unlink(dataPath(of: key)) != 0 && errno != ENOENT { throw FileError("cannot delete object \(key): \(errnoText(errno))") }
        Posix.syncDirectory(Paths.dirname(dataPath(of: key)))
    }

    func openData(key: String) throws(FileError) -> Int32 {
        let fd = Posix.openFile(dataPath(of: key), O_RDONLY)
        guard fd >= 0 else { throw FileError("cannot open object \(key) on target \(target.name): \(errnoText(errno))") }
        return fd
    }

    /// A new key for a second version of an object: `<key>.<uuid>`, as Ngenea does without --overwrite.
    static func uniqueKey(_ key: String) -> String {
        let h = Array(Posix.randomHex(16).utf8)
        var chars = h
        chars[12] = UInt8(ascii: "4")  // version 4
        let variant = Array("89ab".utf8)
        chars[16] = variant[Int(h[16] % 4)]
        let s = String(decoding: chars, as: UTF8.self)
        func part(_ from: Int, _ to: Int) -> Substring {
            s[s.utf8.index(s.startIndex, offsetBy: from)..<s.utf8.index(s.startIndex, offsetBy: to)]
        }
        return "\(key).\(part(0, 8))-\(part(8, 12))-\(part(12, 16))-\(part(16, 20))-\(part(20, 32))"
    }
}
