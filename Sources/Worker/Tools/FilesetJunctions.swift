import Glibc

/// The junction directories of the site's filesets (the root fileset's junction is the filesystem's mount
/// point), from `mmlsfs all -Y` and `mmlsfileset <Device> -Y`. Identified by device and inode so that a
/// junction is recognised whatever spelling of its path a task is given.
struct FilesetJunctions: Sendable {
    struct Identity: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
    }

    private(set) var identities: Set<Identity> = []
    private(set) var paths: [String] = []

    init(paths: [String]) {
        self.paths = paths
        for path in paths {
            var st = stat()
            if stat(path, &st) == 0 { identities.insert(Identity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))) }
        }
    }

    func contains(_ info: FileInfo) -> Bool {
        info.isDirectory && identities.contains(Identity(device: info.device, inode: info.inode))
    }

    /// Lists the junctions with the GPFS tools.
    /// - Throws: `TaskFailure` when a listing fails: without it a recursive delete could cross a fileset.
    static func load(_ runner: ToolRunner) async throws -> FilesetJunctions {
        let paths = try await FilesetCatalog.load(runner).filesets.map(\.path)
        return try await OffPool.run("fileset-junctions") { FilesetJunctions(paths: paths) }
    }
}
