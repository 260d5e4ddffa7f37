/// The Ngenea record kept in a file's `user.ngenea.*` extended attributes (docs/sandbox.md): the HSM
/// state plus where the data lives remotely (target, key, hash, size, mtime, stub size).
/// `user.ngenea.pool` is a storage-pool assignment, not a location, and is never touched.
enum LocationXattrs {
    static let prefix = "user.ngenea."
    static let state = "user.ngenea.state"
    static let pool = "user.ngenea.pool"

    enum Removal: Equatable {
        case removed
        /// Nothing to remove.
        case none
        /// The file is a stub (migrated): its record is the only way to its data, so it is kept.
        case offline
    }

    /// The HSM state: "premigrated", "migrated", or nil for a resident (unmanaged) file.
    static func state(of path: String) throws(SystemError) -> String? {
        try FileSystemCalls.xattr(path, state).flatMap { $0 == "resident" ? nil : $0 }
    }

    /// Removes the location record of a file whose data is local. The state goes first: it is the commit
    /// point, so a crash in between leaves a resident file with stray fields, which a re-run removes.
    static func remove(from path: String) throws(SystemError) -> Removal {
        if try state(of: path) == "migrated" { return .offline }
        let names = try FileSystemCalls.xattrNames(path).filter { $0.hasPrefix(prefix) && $0 != pool }
        guard !names.isEmpty else { return .none }
        try FileSystemCalls.removeXattr(path, state)
        for name in names where name != state { try FileSystemCalls.removeXattr(path, name) }
        return .removed
    }
}
