import Glibc

/// The text of an errno value, e.g. "No such file or directory".
func errnoText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

/// The interesting fields of `struct stat`, in Swift types.
struct FileInfo {
    let mode: UInt32
    let size: Int64
    let blocks: Int64
    let inode: UInt64
    let device: UInt64
    let uid: UInt32
    let gid: UInt32
    let nlink: UInt64
    let atime: timespec
    let mtime: timespec
    let ctime: timespec

    init(_ st: stat) {
        mode = st.st_mode
        size = Int64(st.st_size)
        blocks = Int64(st.st_blocks)
        inode = UInt64(st.st_ino)
        device = UInt64(st.st_dev)
        uid = st.st_uid
        gid = st.st_gid
        nlink = UInt64(st.st_nlink)
        atime = st.st_atim
        mtime = st.st_mtim
        ctime = st.st_ctim
    }

    var fileType: UInt32 { mode & UInt32(S_IFMT) }
    var isRegular: Bool { fileType == UInt32(S_IFREG) }
    var isDirectory: Bool { fileType == UInt32(S_IFDIR) }
    var isSymlink: Bool { fileType == UInt32(S_IFLNK) }
    var permissions: UInt32 { mode & 0o7777 }
    /// Bytes really allocated on disk (what GPFS reports as KB_ALLOCATED * 1024).
    var allocatedBytes: Int64 { blocks * 512 }
    var mtimeNs: Int64 { Self.nanoseconds(mtime) }
    var ctimeNs: Int64 { Self.nanoseconds(ctime) }
    var atimeNs: Int64 { Self.nanoseconds(atime) }

    static func nanoseconds(_ t: timespec) -> Int64 { Int64(t.tv_sec) &* 1_000_000_000 &+ Int64(t.tv_nsec) }
    static func timespecOf(nanoseconds ns: Int64) -> timespec {
        var sec = ns / 1_000_000_000
        var nsec = ns % 1_000_000_000
        if nsec < 0 { nsec += 1_000_000_000; sec -= 1 }
        return timespec(tv_sec: Int(sec), tv_nsec: Int(nsec))
    }
}

enum Posix {
    /// lstat; nil when the path does not exist (or cannot be reached), with `errno` set.
    static func lstatInfo(_ path: String) -> FileInfo? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return FileInfo(st)
    }

    static func statInfo(_ path: String) -> FileInfo? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileInfo(st)
    }

    static func fstatInfo(_ fd: Int32) throws(FileError) -> FileInfo {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError("fstat: \(errnoText(errno))") }
        return FileInfo(st)
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    static func isDirectory(_ path: String) -> Bool { statInfo(path)?.isDirectory ?? false }

    /// Nanoseconds since the epoch (CLOCK_REALTIME).
    static func nowNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return FileInfo.nanoseconds(ts)
    }

    static func sleepMilliseconds(_ ms: Int) {
        guard ms > 0 else { return }
        var req = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
        var rem = timespec()
        while nanosleep(&req, &rem) != 0 && errno == EINTR { req = rem }
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return string(fromNulTerminated: buffer)
    }

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// The canonical path (symlinks resolved), or nil.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func string(fromNulTerminated buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Opens a file, retrying on EINTR.
    static func openFile(_ path: String, _ flags: Int32, _ mode: mode_t = 0o644) -> Int32 {
        while true {
            let fd = open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 || errno != EINTR { return fd }
        }
    }

    /// Writes the whole buffer at the current offset.
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        var done = 0
        while done < buffer.count {
            let n = write(fd, base + done, buffer.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            done += n
        }
        return true
    }

    /// Writes the whole buffer at `offset` (pwrite).
    static func pwriteAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, at offset: Int64) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        var done = 0
        while done < buffer.count {
            let n = pwrite(fd, base + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            done += n
        }
        return true
    }

    /// read(2) retrying on EINTR; returns bytes read, 0 at end of file, -1 on error.
    static func readSome(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        while true {
            let n = read(fd, base, buffer.count)
            if n >= 0 || errno != EINTR { return n }
        }
    }

    /// Reads a whole (small) file.
    static func readFile(_ path: String) throws(FileError) -> [UInt8] {
        let fd = openFile(path, O_RDONLY)
        guard fd >= 0 else { throw FileError("\(path): \(errnoText(errno))") }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { readSome(fd, $0) }
            if n < 0 { throw FileError("\(path): \(errnoText(errno))") }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    static func readTextFile(_ path: String) throws(FileError) -> String {
        String(decoding: try readFile(path), as: UTF8.self)
    }

    /// Writes a file crash-safely: temp file in the same directory, fsync, rename, fsync of the directory.
    static func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(FileError) {
        let dir = Paths.dirname(path)
        let temp = "\(dir)/.\(Paths.basename(path)).tmp-\(randomHex(8))"
        let fd = openFile(temp, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else { throw FileError("cannot create \(temp): \(errnoText(errno))") }
        let ok = bytes.withUnsafeBytes { writeAll(fd, $0) }
        let err = errno
        if !ok || fsync(fd) != 0 {
            let e = ok ? errno : err
            close(fd)
            unlink(temp)
            throw FileError("cannot write \(temp): \(errnoText(e))")
        }
        fchmod(fd, mode)
        close(fd)
        guard rename(temp, path) == 0 else {
            let e = errno
            unlink(temp)
            throw FileError("cannot rename \(temp) to \(path): \(errnoText(e))")
        }
        syncDirectory(dir)
    }

    static func writeTextFileAtomically(_ path: String, _ text: String, mode: mode_t = 0o644) throws(FileError) {
        try writeFileAtomically(path, Array(text.utf8), mode: mode)
    }

    /// fsync of a directory so that a rename in it survives a crash.
    static func syncDirectory(_ dir: String) {
        let fd = openFile(dir, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// mkdir -p.
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(FileError) {
        if isDirectory(path) { return }
        var current = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/" + component
            if mkdir(current, mode) != 0 {
                let e = errno
                if e == EEXIST && isDirectory(current) { continue }
                throw FileError("cannot create directory \(current): \(errnoText(e))")
            }
        }
    }

    /// The names in a directory (without "." and ".."), sorted bytewise for stable output.
    static func listDirectory(_ path: String) throws(FileError) -> [String] {
        guard let dir = opendir(path) else { throw FileError("cannot read directory \(path): \(errnoText(errno))") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            names.append(name)
        }
        names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return names
    }

    /// Hex of `byteCount` random bytes (stdlib generator: getrandom on Linux).
    static func randomHex(_ byteCount: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        for _ in 0..<byteCount { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
        return Hex.encode(bytes)
    }

    /// FS_IOC_GETVERSION: the inode generation number, which tells a reused inode number from the old file.
    static func generation(of path: String, info: FileInfo) -> UInt64 {
        guard info.isRegular || info.isDirectory else { return 0 }
        let fd = openFile(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var generation: Int = 0
        let fsIocGetVersion: UInt = 0x8008_7601  // _IOR('v', 1, long)
        guard ioctl(fd, fsIocGetVersion, &generation) == 0 else { return 0 }
        return UInt64(UInt32(truncatingIfNeeded: generation))
    }
}

enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
