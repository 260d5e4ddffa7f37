import Glibc

/// Streams file data in 1 MiB chunks with pread/pwrite, hashing on the way.
final class DataIO {
    private let buffer: UnsafeMutableRawBufferPointer
    static let chunk = 1 << 20

    init() { buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunk, alignment: 64) }
    deinit { buffer.deallocate() }

    /// SHA-256 of the first `length` bytes of `fd` (the whole file when nil) and the bytes read.
    func hash(_ fd: Int32, length: Int64? = nil) throws(FileError) -> (sha256: String, bytes: Int64) {
        var hasher = SHA256()
        let n = try stream(from: fd, length: length) { chunk, _ throws(FileError) in hasher.update(chunk) }
        return (hasher.finalizeHex(), n)
    }

    /// SHA-256 of a stream that cannot be read by offset (a pipe), in small read sizes.
    func hashStream(_ fd: Int32) throws(FileError) -> String {
        var hasher = SHA256()
        while true {
            let n = Posix.readSome(fd, buffer)
            if n < 0 { throw FileError("read: \(errnoText(errno))") }
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return hasher.finalizeHex()
    }

    /// Copies `src` (from offset 0) to `dst` at the same offsets, hashing everything read.
    /// `writeLimit` stops writing (but not reading and hashing) after that many bytes: a stub's kept part.
    func copy(from src: Int32, to dst: Int32, hashing: Bool = true, writeLimit: Int64? = nil, readLimit: Int64? = nil) throws(FileError) -> (sha256: String?, bytes: Int64) {
        var hasher = SHA256()
        let n = try stream(from: src, length: readLimit) { chunk, offset throws(FileError) in
            if hashing { hasher.update(chunk) }
            var toWrite = chunk
            if let writeLimit {
                if offset >= writeLimit { return }
                let room = Int(min(Int64(chunk.count), writeLimit - offset))
                toWrite = UnsafeRawBufferPointer(rebasing: chunk[0..<room])
            }
            guard Posix.pwriteAll(dst, toWrite, at: offset) else { throw FileError("write: \(errnoText(errno))") }
        }
        return (hashing ? hasher.finalizeHex() : nil, n)
    }

    private func stream(from fd: Int32, length: Int64?, _ body: (UnsafeRawBufferPointer, Int64) throws(FileError) -> Void) throws(FileError) -> Int64 {
        var offset: Int64 = 0
        while true {
            var want = buffer.count
            if let length {
                if offset >= length { break }
                want = Int(min(Int64(want), length - offset))
            }
            guard let base = buffer.baseAddress else { break }
            let n = pread(fd, base, want, off_t(offset))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError("read: \(errnoText(errno))")
            }
            if n == 0 { break }
            try body(UnsafeRawBufferPointer(start: base, count: n), offset)
            offset += Int64(n)
        }
        return offset
    }
}
