import Foundation
import Glibc
import Shared

/// The site's key/value configuration on this node (the stand-in for the original's Salt pillar): one JSON
/// object `{"section:subkey": value, ...}` at `site_settings_file`, read and written by the settings tasks
/// (docs/tasks.md, "Site settings").
///
/// Values may be secrets, so the file is private (0600) and replaced atomically (temp file, fsync, rename):
/// a crash leaves the old file or the new one, never half of one. A missing file is an empty store; a file
/// that is not a JSON object fails the task and is left untouched (it may hold settings nobody else has).
struct SiteSettingsStore: Sendable {
    static let defaultPath = "/etc/ngenea/site-settings.json"
    /// The reserved entry listing the keys written as secrets, so that reading them back masks them too.
    /// It has no ':' and so can never be a setting key.
    static let secretKeysEntry = "_secret_keys"

    struct Contents: Sendable, Equatable {
        var values: [String: JSONValue] = [:]
        var secretKeys: Set<String> = []
    }

    let path: String

    /// A setting key is `section:subkey[:...]` with a non-empty section (spec/05 §12.1).
    static func validate(key: String) throws(TaskFailure) {
        guard let colon = key.firstIndex(of: ":"), colon != key.startIndex, key.index(after: colon) != key.endIndex else {
            throw TaskFailure("setting key \(String(reflecting: String(key.prefix(200)))) is not of the form section:subkey")
        }
    }

    /// The current contents. Blocking: call off the cooperative pool.
    /// - Throws: `TaskFailure` when the file cannot be read or is not a settings object.
    func read() throws(TaskFailure) -> Contents {
        guard let bytes = try readBytes() else { return Contents() }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return Contents() }
        // Never quote the content in the error: it may hold secrets.
        let corrupt = "site settings file \(path) is corrupt"
        let suffix = "; it is left untouched: fix or remove it"
        guard case .object(var object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else {
            throw TaskFailure("\(corrupt) (not a JSON object)\(suffix)")
        }
        var contents = Contents()
        if let entry = object.removeValue(forKey: Self.secretKeysEntry) {
            let keys = entry.arrayValue?.compactMap(\.stringValue)
            guard let keys, keys.count == entry.arrayValue?.count else {
                throw TaskFailure("\(corrupt) ('\(Self.secretKeysEntry)' is not a list of strings)\(suffix)")
            }
            contents.secretKeys = Set(keys)
        }
        contents.values = object
        return contents
    }

    /// Reads, applies `change`, and writes the result, holding an exclusive lock on `<file>.lock` so that
    /// concurrent settings tasks (several threads, several workers on the node) do not lose each other's
    /// writes. Blocking: call off the cooperative pool.
    func update(_ change: (inout Contents) -> Void) throws(TaskFailure) -> Contents {
        let directory = PathText.parent(of: path)
        do { try FileSystemCalls.makeDirectories(directory) } catch {
            throw TaskFailure("cannot create the directory of the site settings file \(path): \(error)")
        }
        let lockPath = path + ".lock"
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw TaskFailure("cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw TaskFailure("cannot lock \(lockPath): \(String(cString: strerror(errno)))") }
        }
        var contents = try read()
        change(&contents)
        try write(contents)
        return contents
    }

    /// The file's bytes; nil when there is no file.
    private func readBytes() throws(TaskFailure) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw TaskFailure("cannot read the site settings file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress, raw.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw TaskFailure("cannot read the site settings file \(path): \(String(cString: strerror(errno)))")
            }
            bytes += buffer[0..<count]
        }
    }

    /// Replaces the file: a private temp file in the same directory, fsync, rename, fsync of the directory.
    private func write(_ contents: Contents) throws(TaskFailure) {
        var object = contents.values
        if !contents.secretKeys.isEmpty {
            object[Self.secretKeysEntry] = .array(contents.secretKeys.sorted().map(JSONValue.string))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(JSONValue.object(object)) else {
            throw TaskFailure("cannot encode the site settings")
        }
        let bytes = Array(data) + [0x0A]
        let directory = PathText.parent(of: path)
        var template = Array(PathText.join(directory, ".\(PathText.name(of: path)).XXXXXX").utf8CString)
        // mkstemp creates the file 0600, so a secret is never readable by others, not even briefly.
        let fd = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else {
            throw TaskFailure("cannot create a temporary file in \(directory): \(String(cString: strerror(errno)))")
        }
        let temporary = template.withUnsafeBufferPointer { buffer in buffer.baseAddress.map { String(cString: $0) } ?? "" }
        func fail(_ what: String, _ code: Int32) -> TaskFailure {
            close(fd)
            unlink(temporary)
            return TaskFailure("cannot \(what) the site settings file \(path): \(String(cString: strerror(code)))")
        }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw in Glibc.write(fd, raw.baseAddress.map { $0 + written }, bytes.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw fail("write", errno)
            }
            written += count
        }
        guard fchmod(fd, 0o600) == 0 else { throw fail("protect", errno) }
        guard fsync(fd) == 0 else { throw fail("sync", errno) }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw TaskFailure("cannot replace the site settings file \(path): \(String(cString: strerror(code)))")
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }
}
