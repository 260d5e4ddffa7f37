/// The site's filesystems and filesets as the GPFS tools list them (`mmlsfs all -Y`,
/// `mmlsfileset <Device> -Y`).
struct FilesetCatalog: Sendable {
    struct Filesystem: Sendable, Equatable {
        var device: String
        var mount: String
    }

    struct Fileset: Sendable, Equatable {
        var filesystem: Filesystem
        var name: String
        var id: String
        /// The junction directory (the mount for the root fileset).
        var path: String
        var independent: Bool
    }

    var filesystems: [Filesystem] = []
    var filesets: [Fileset] = []

    /// Lists everything with the tools.
    /// - Throws: `TaskFailure` when a listing fails.
    static func load(_ runner: ToolRunner) async throws -> FilesetCatalog {
        let listing = try await runner.runCommand(tool: "mmlsfs", arguments: ["all", "-Y"])
        guard listing.status == 0 else {
            throw TaskFailure("cannot list the filesystems (mmlsfs all -Y exited \(listing.status)): \(listing.stderr)")
        }
        var catalog = FilesetCatalog()
        var mounts: [String: String] = [:]
        var order: [String] = []
        for record in GPFSListing(listing.text).records() {
            guard let device = record["deviceName"] else { continue }
            if !order.contains(device) { order.append(device) }
            if record["fieldName"] == "defaultMountPoint", let mount = record["data"] { mounts[device] = mount }
        }
        for device in order {
            let filesystem = Filesystem(device: device, mount: mounts[device] ?? "")
            catalog.filesystems.append(filesystem)
            let filesets = try await runner.runCommand(tool: "mmlsfileset", arguments: [device, "-Y"])
            guard filesets.status == 0 else {
                throw TaskFailure("cannot list the filesets of \(device) (mmlsfileset exited \(filesets.status)): \(filesets.stderr)")
            }
            for record in GPFSListing(filesets.text).records() {
                guard let name = record["filesetName"], let path = record["path"], path.hasPrefix("/") else { continue }
                catalog.filesets.append(
                    Fileset(
                        filesystem: filesystem, name: name, id: record["id"] ?? "", path: path,
                        independent: record["type"].map { $0 != "dependent" } ?? true))
            }
        }
        return catalog
    }

    /// The fileset whose junction is `path` (same directory: compared by device and inode).
    func fileset(junction path: String) -> Fileset? {
        guard let wanted = try? FileSystemCalls.statInfo(path) else {
            return filesets.first { PathText.normalized($0.path) == PathText.normalized(path) }
        }
        return filesets.first { fileset in
            guard let info = try? FileSystemCalls.statInfo(fileset.path) else { return false }
            return info.device == wanted.device && info.inode == wanted.inode
        }
    }

    func fileset(named name: String, filesystem device: String?) -> Fileset? {
        filesets.first { $0.name == name && (device == nil || $0.filesystem.device == device) }
    }
}
