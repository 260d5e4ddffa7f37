import Glibc

/// The HSM state of a file, as Ngenea keeps it.
enum HSMState: String {
    /// Data only on the filesystem (no xattrs: an unmanaged file).
    case resident
    /// Data on the filesystem and in the target.
    case premigrated
    /// A stub: only the first `stubsize` bytes are allocated; the data is in the target.
    case migrated
}

/// Names of the extended attributes (docs/sandbox.md, "Extended attributes").
enum HSMXattr {
    static let state = "user.ngenea.state"
    static let target = "user.ngenea.target"
    static let key = "user.ngenea.key"
    static let sha256 = "user.ngenea.sha256"
    static let size = "user.ngenea.size"
    static let mtime = "user.ngenea.mtime"
    static let stubSize = "user.ngenea.stubsize"
    /// Not part of the HSM record: assigns the file to a storage pool (mmdf, mmapplypolicy POOL_NAME).
    static let pool = "user.ngenea.pool"

    /// The record's fields without the state, which is written last and removed first (it is the commit point).
    static let fields = [target, key, sha256, size, mtime, stubSize]
}

/// The Ngenea record of a premigrated or migrated file.
struct HSMRecord {
    var state: HSMState
    var target: String
    var key: String
    var sha256: String
    /// Size and mtime of the content at migration: a premigrated file whose size or mtime differ has changed.
    var size: Int64
    var mtimeNs: Int64
    var stubSize: Int64

    /// Reads the record of an open file; nil when the file is resident (no state attribute).
    static func read(fd: Int32) throws(FileError) -> HSMRecord? {
        try decode { name throws(FileError) in try Xattr.get(fd: fd, name) }
    }

    /// Same, by path (symlinks not followed).
    static func read(path: String) throws(FileError) -> HSMRecord? {
        try decode { name throws(FileError) in try Xattr.get(path: path, name) }
    }

    private static func decode(_ get: (String) throws(FileError) -> String?) throws(FileError) -> HSMRecord? {
        guard let stateText = try get(HSMXattr.state) else { return nil }
        guard let state = HSMState(rawValue: stateText) else { throw FileError("corrupt HSM state '\(stateText)' in \(HSMXattr.state)") }
        if state == .resident { return nil }
        func field(_ name: String) throws(FileError) -> String {
            guard let v = try get(name), !v.isEmpty else { throw FileError("corrupt HSM record: \(name) is missing") }
            return v
        }
        func number(_ name: String) throws(FileError) -> Int64 {
            let text = try field(name)
            guard let n = Int64(text), n >= 0 else { throw FileError("corrupt HSM record: \(name)='\(text)'") }
            return n
        }
        let mtimeText = try field(HSMXattr.mtime)
        guard let mtime = Timestamps.parse(mtimeText) else { throw FileError("corrupt HSM record: \(HSMXattr.mtime)='\(mtimeText)'") }
        return HSMRecord(
            state: state,
            target: try field(HSMXattr.target),
            key: try field(HSMXattr.key),
            sha256: try field(HSMXattr.sha256),
            size: try number(HSMXattr.size),
            mtimeNs: mtime,
            stubSize: try number(HSMXattr.stubSize)
        )
    }

    /// Writes the fields, then the state: a crash in between leaves the file in its previous state.
    func write(fd: Int32) throws(FileError) {
        try Xattr.set(fd: fd, HSMXattr.target, target)
        try Xattr.set(fd: fd, HSMXattr.key, key)
        try Xattr.set(fd: fd, HSMXattr.sha256, sha256)
        try Xattr.set(fd: fd, HSMXattr.size, String(size))
        try Xattr.set(fd: fd, HSMXattr.mtime, Timestamps.format(mtimeNs))
        try Xattr.set(fd: fd, HSMXattr.stubSize, String(stubSize))
        try Xattr.set(fd: fd, HSMXattr.state, state.rawValue)
    }

    /// Makes the file resident: the state goes first, so stray fields left by a crash mean nothing.
    static func clear(fd: Int32) throws(FileError) {
        try Xattr.remove(fd: fd, HSMXattr.state)
        for name in HSMXattr.fields { try Xattr.remove(fd: fd, name) }
    }
}

/// Timestamps as "SECONDS.NANOSECONDS" (nine digits), exact and readable.
enum Timestamps {
    static func format(_ ns: Int64) -> String {
        let t = FileInfo.timespecOf(nanoseconds: ns)
        var frac = String(t.tv_nsec)
        while frac.count < 9 { frac = "0" + frac }
        return "\(t.tv_sec).\(frac)"
    }

    static func parse(_ text: String) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        // Bounded so that the nanosecond arithmetic below cannot overflow on a corrupt value.
        guard parts.count == 1 || parts.count == 2, let sec = Int64(parts[0]), abs(sec) < 9_000_000_000 else { return nil }
        var nsec: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(digits) else { return nil }
            nsec = n
            for _ in digits.count..<9 { nsec *= 10 }
        }
        return sec * 1_000_000_000 + (sec < 0 ? -nsec : nsec)
    }
}
