import Glibc

/// Reads directories with opendir/readdir and `fstatat` relative to the open directory (no symlink is
/// followed): about a microsecond per entry, where FileManager costs several.
enum DirectoryReader {
    struct Entry: Sendable {
        var name: String
        /// False when the name is not valid UTF-8 (`name` then holds a lossy rendering).
        var validName: Bool
        var info: FileInfo?
        /// Why `info` is missing (the entry vanished: ENOENT; or another error).
        var statError: SystemError?
    }

    /// The names in `path` (without `.` and `..`), unsorted.
    static func names(_ path: String) throws(SystemError) -> [String] {
        try read(path, stat: false).map(\.name)
    }

    /// The entries of `path` with their lstat information, in directory order (sorting would cost more
    /// than the listing itself in a large directory, and the hub does not need an order).
    static func entries(_ path: String) throws(SystemError) -> [Entry] {
        try read(path, stat: true)
    }

    /// Whether `path` holds anything. Unreadable counts as non-empty: its own listing will report why.
    static func hasEntries(_ path: String) -> Bool {
        guard let directory = opendir(path) else { return true }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            if !isDotOrDotDot(entry) { return true }
        }
        return false
    }

    private static func read(_ path: String, stat wantStat: Bool) throws(SystemError) -> [Entry] {
        guard let directory = opendir(path) else { throw SystemError(code: errno) }
        defer { closedir(directory) }
        let fd = dirfd(directory)
        var entries: [Entry] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw SystemError(code: errno) }
                break
            }
            if isDotOrDotDot(entry) { continue }
            var item = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { name -> Entry in
                    if let text = String(validatingCString: name) {
                        return Entry(name: text, validName: true)
                    }
                    return Entry(name: String(cString: name), validName: false)
                }
            }
            if wantStat {
                var st = stat()
                let status = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                    pointer.withMemoryRebound(to: CChar.self, capacity: 256) { fstatat(fd, $0, &st, AT_SYMLINK_NOFOLLOW) }
                }
                if status == 0 { item.info = FileInfo(st) } else { item.statError = SystemError(code: errno) }
            }
            entries.append(item)
        }
        return entries
    }

    private static func isDotOrDotDot(_ entry: UnsafeMutablePointer<dirent>) -> Bool {
        withUnsafePointer(to: &entry.pointee.d_name) { pointer in
            pointer.withMemoryRebound(to: UInt8.self, capacity: 3) { name in
                name[0] == 0x2E && (name[1] == 0 || (name[1] == 0x2E && name[2] == 0))
            }
        }
    }
}

extension DirectoryReader.Entry {
    init(name: String, validName: Bool) {
        self.name = name
        self.validName = validName
        self.info = nil
        self.statError = nil
    }
}
