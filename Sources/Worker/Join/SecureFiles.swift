import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Files written by `join`: whole or not at all (a temporary file in the same directory, flushed, then
/// renamed over the target), with their mode set from the start, so a private key is never readable by
/// others, not even for a moment, and a crash never leaves half a certificate or configuration.
enum SecureFiles {
    /// Creates `path` (and missing parents) with `mode` when it does not exist. An existing directory is
    /// left as it is; with `private`, one that others could write to is refused (they could swap the
    /// certificates or the key).
    static func directory(_ path: String, mode: mode_t, private: Bool = true) throws(JoinFailure) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else { throw .failed("\(path) exists and is not a directory") }
            guard !`private` || info.st_mode & 0o022 == 0 else {
                throw .failed("\(path) is writable by other users; fix its permissions (chmod go-w) and run join again")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: nil)
        } catch {
            throw .failed("cannot create \(path): \(reason(error))")
        }
        // chmod after creating: the umask must not widen nor narrow what was asked for.
        guard chmod(path, mode) == 0 else { throw .failed("cannot set the permissions of \(path): \(String(cString: strerror(errno)))") }
    }

    /// Writes `bytes` to `path` atomically with `mode`. A symbolic link at `path` is followed, so the file
    /// it points at is replaced and the link kept.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(JoinFailure) {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let directory = (target as NSString).deletingLastPathComponent
        let temporary = "\(directory)/.\((target as NSString).lastPathComponent).join-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .failed("cannot write \(path): \(String(cString: strerror(errno)))") }
        var ok = fchmod(fd, mode) == 0
        var offset = 0
        while ok && offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            ok = written > 0
            offset += max(written, 0)
        }
        ok = ok && fsync(fd) == 0
        let failure = errno
        close(fd)
        guard ok, rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(ok ? errno : failure))
            unlink(temporary)
            throw .failed("cannot write \(path): \(reason)")
        }
    }

    /// The permission bits of the file at `path` (following links), if it exists.
    static func mode(of path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    private static func reason(_ error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}
