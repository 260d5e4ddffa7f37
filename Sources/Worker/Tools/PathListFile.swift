import Foundation
import Glibc

/// A temporary `--list0` file: the paths of one batch, NUL-separated, so a batch of any size (and names
/// with newlines) reaches the tool without hitting the argv limit. Removed by `remove()`.
struct PathListFile: Sendable {
    let path: String

    /// Writes `paths` to a new private file (mode 0600) in `directory`.
    /// - Throws: `TaskFailure` when the file cannot be written.
    static func create(_ paths: [String], in directory: String) throws(TaskFailure) -> PathListFile {
        var template = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast())
        template += Array("ngenea-worker-paths.XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard fd >= 0 else {
            throw TaskFailure("cannot create a path list file in \(directory): \(String(cString: strerror(errno)))")
        }
        let path = template.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { String(cString: $0) } ?? ""
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(paths.reduce(0) { $0 + $1.utf8.count + 1 })
        for item in paths {
            bytes.append(contentsOf: item.utf8)
            bytes.append(0)
        }
        var written = 0
        var failure: Int32 = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return write(fd, base + written, bytes.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            written += count
        }
        close(fd)
        guard failure == 0 else {
            unlink(path)
            throw TaskFailure("cannot write the path list file \(path): \(String(cString: strerror(failure)))")
        }
        return PathListFile(path: path)
    }

    func remove() { unlink(path) }
}
