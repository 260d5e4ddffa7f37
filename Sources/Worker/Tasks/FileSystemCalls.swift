import Glibc

/// What `lstat` says about a path (symlinks are never followed by the in-process tasks).
struct FileInfo: Sendable, Equatable {
    var mode: mode_t
    var size: Int64
    var device: UInt64
    var inode: UInt64
    /// Seconds since the epoch.
    var ctime: Int
    /// Nanoseconds since the epoch.
    var mtimeNanoseconds: Int64

    var isDirectory: Bool { mode & S_IFMT == S_IFDIR }
    var isSymlink: Bool { mode & S_IFMT == S_IFLNK }
    var isRegular: Bool { mode & S_IFMT == S_IFREG }
    /// The discovery type: `directory`, `symlink`, else `file` (special files count as files).
    var itemType: String { isDirectory ? "directory" : isSymlink ? "symlink" : "file" }

    init(_ st: stat) {
        mode = st.st_mode
        size = Int64(st.st_size)
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        ctime = Int(st.st_ctim.tv_sec)
        mtimeNanoseconds = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    }
}

/// A failed system call: its errno.
struct SystemError: Error, CustomStringConvertible {
    var code: Int32
    var description: String { String(cString: strerror(code)) }
    var isMissing: Bool { code == ENOENT || code == ENOTDIR }
}

/// Thin, throwing wrappers of the POSIX calls the in-process tasks use. Blocking: call them off the
/// cooperative pool (`OffPool`).
enum FileSystemCalls {
    static func lstatInfo(_ path: String) throws(SystemError) -> FileInfo {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw SystemError(code: errno) }
        return FileInfo(st)
    }

    /// `stat`, following symlinks (for configured paths such as junctions and mount points).
    static func statInfo(_ path: String) throws(SystemError) -> FileInfo {
        var st = stat()
        guard stat(path, &st) == 0 else { throw SystemError(code: errno) }
        return FileInfo(st)
    }

    /// Nil when nothing is at `path`; other errors throw.
    static func lstatIfPresent(_ path: String) throws(SystemError) -> FileInfo? {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw SystemError(code: errno)
        }
        return FileInfo(st)
    }

    static func unlinkFile(_ path: String) throws(SystemError) {
        guard unlink(path) == 0 else { throw SystemError(code: errno) }
    }

    static func removeDirectory(_ path: String) throws(SystemError) {
        guard rmdir(path) == 0 else { throw SystemError(code: errno) }
    }

    static func renameItem(_ from: String, _ to: String) throws(SystemError) {
        guard rename(from, to) == 0 else { throw SystemError(code: errno) }
    }

    /// `mkdir -p`, mode 0755 for what it creates.
    static func makeDirectories(_ path: String) throws(SystemError) {
        if let info = try lstatIfPresent(path) {
            guard info.isDirectory else { throw SystemError(code: ENOTDIR) }
            return
        }
        let parent = PathText.parent(of: path)
        if parent != path { try makeDirectories(parent) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw SystemError(code: errno) }
    }

    /// The value of an extended attribute of the path itself (not a symlink's target); nil when absent.
    static func xattr(_ path: String, _ name: String) throws(SystemError) -> String? {
        guard let get = Xattr.get else { throw SystemError(code: ENOTSUP) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = get(path, name, &buffer, buffer.count)
        guard count >= 0 else {
            if errno == ENODATA { return nil }
            throw SystemError(code: errno)
        }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// The names of the path's extended attributes.
    static func xattrNames(_ path: String) throws(SystemError) -> [String] {
        guard let list = Xattr.list else { throw SystemError(code: ENOTSUP) }
        let size = list(path, nil, 0)
        guard size >= 0 else { throw SystemError(code: errno) }
        guard size > 0 else { return [] }
        var buffer = [CChar](repeating: 0, count: size + 256)
        let count = list(path, &buffer, buffer.count)
        guard count >= 0 else { throw SystemError(code: errno) }
        return buffer[0..<count].split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    /// Removes an extended attribute; an absent one is fine.
    static func removeXattr(_ path: String, _ name: String) throws(SystemError) {
        guard let remove = Xattr.remove else { throw SystemError(code: ENOTSUP) }
        guard remove(path, name) == 0 || errno == ENODATA else { throw SystemError(code: errno) }
    }
}

/// The xattr calls of glibc, which the Swift Glibc module does not import, looked up at run time.
private enum Xattr {
    typealias Get = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int
    typealias List = @convention(c) (UnsafePointer<CChar>, UnsafeMutablePointer<CChar>?, Int) -> Int
    typealias Remove = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>) -> Int32

    static let get: Get? = dlsym(nil, "lgetxattr").map { unsafeBitCast($0, to: Get.self) }
    static let list: List? = dlsym(nil, "llistxattr").map { unsafeBitCast($0, to: List.self) }
    static let remove: Remove? = dlsym(nil, "lremovexattr").map { unsafeBitCast($0, to: Remove.self) }
}

/// Path strings, without touching the filesystem.
enum PathText {
    /// Trailing slashes removed (but "/" stays).
    static func normalized(_ path: String) -> String {
        var text = Substring(path)
        while text.count > 1 && text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }

    static func parent(of path: String) -> String {
        let text = normalized(path)
        guard let slash = text.lastIndex(of: "/") else { return "." }
        return slash == text.startIndex ? "/" : String(text[..<slash])
    }

    static func name(of path: String) -> String {
        let text = normalized(path)
        guard let slash = text.lastIndex(of: "/") else { return text }
        return String(text[text.index(after: slash)...])
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
