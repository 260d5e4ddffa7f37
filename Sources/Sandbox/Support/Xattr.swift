import Glibc

/// Extended attributes. Swift's Glibc module does not export <sys/xattr.h>, so the libc functions are
/// looked up once with dlsym and called through C function pointers (still nothing but Glibc).
enum Xattr {
    private typealias FGet = @convention(c) (Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?, Int) -> Int
    private typealias FSet = @convention(c) (Int32, UnsafePointer<CChar>?, UnsafeRawPointer?, Int, Int32) -> Int32
    private typealias FRemove = @convention(c) (Int32, UnsafePointer<CChar>?) -> Int32
    private typealias LGet = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?, Int) -> Int

    // Immutable C function pointers: safe to share between threads.
    private struct API: @unchecked Sendable {
        let fget: FGet
        let fset: FSet
        let fremove: FRemove
        let lget: LGet
    }

    private static let api: API? = {
        guard let handle = dlopen(nil, RTLD_NOW),
              let fget = dlsym(handle, "fgetxattr"),
              let fset = dlsym(handle, "fsetxattr"),
              let fremove = dlsym(handle, "fremovexattr"),
              let lget = dlsym(handle, "lgetxattr")
        else { return nil }
        return API(
            fget: unsafeBitCast(fget, to: FGet.self),
            fset: unsafeBitCast(fset, to: FSet.self),
            fremove: unsafeBitCast(fremove, to: FRemove.self),
            lget: unsafeBitCast(lget, to: LGet.self)
        )
    }()

    private static func missing() -> FileError { FileError("extended attributes are not available (libc lookup failed)") }

    /// The value of `name` on an open file, or nil when the attribute is not set.
    static func get(fd: Int32, _ name: String) throws(FileError) -> String? {
        guard let api else { throw missing() }
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let n = buffer.withUnsafeMutableBytes { api.fget(fd, name, $0.baseAddress, $0.count) }
            if n >= 0 { return String(decoding: buffer[0..<n], as: UTF8.self) }
            let e = errno
            if e == ENODATA { return nil }
            if e == ERANGE && buffer.count < 65536 { buffer = [UInt8](repeating: 0, count: buffer.count * 8); continue }
            throw FileError("getxattr \(name): \(errnoText(e))")
        }
    }

    /// The value of `name` on a path (symlinks not followed), or nil.
    static func get(path: String, _ name: String) throws(FileError) -> String? {
        guard let api else { throw missing() }
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let n = buffer.withUnsafeMutableBytes { api.lget(path, name, $0.baseAddress, $0.count) }
            if n >= 0 { return String(decoding: buffer[0..<n], as: UTF8.self) }
            let e = errno
            if e == ENODATA || e == ENOTSUP { return nil }
            if e == ERANGE && buffer.count < 65536 { buffer = [UInt8](repeating: 0, count: buffer.count * 8); continue }
            throw FileError("getxattr \(name) on \(path): \(errnoText(e))")
        }
    }

    static func set(fd: Int32, _ name: String, _ value: String) throws(FileError) {
        guard let api else { throw missing() }
        var copy = value
        let rc = copy.withUTF8 { api.fset(fd, name, UnsafeRawPointer($0.baseAddress), $0.count, 0) }
        if rc != 0 { throw FileError("setxattr \(name): \(errnoText(errno))") }
    }

    /// Removes `name`; a missing attribute is not an error.
    static func remove(fd: Int32, _ name: String) throws(FileError) {
        guard let api else { throw missing() }
        if api.fremove(fd, name) != 0 {
            let e = errno
            if e != ENODATA { throw FileError("removexattr \(name): \(errnoText(e))") }
        }
    }
}
