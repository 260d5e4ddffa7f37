import Foundation
import Logging

/// Learns the node's GPFS filesystems and their mount points (`mmlsfs all -Y`, field `defaultMountPoint`)
/// for the heartbeat. The hub uses them to carry paths between sites that mount a filesystem at different
/// points (every sandbox site on one machine does).
enum FilesystemProbe {
    /// Filesystem name -> mount point; nil when the command is missing or fails (logged, not fatal: a node
    /// without the GPFS tools still runs tasks).
    static func mounts(tools: ToolSettings, logger: Logger) async -> [String: String]? {
        var settings = tools
        settings.timeout = .seconds(30)
        do {
            let result = try await ToolRunner(settings: settings).runCommand(tool: "mmlsfs", arguments: ["all", "-Y"])
            guard result.status == 0 else {
                logger.warning("mmlsfs all -Y exited \(result.status); filesystems not reported: \(result.stderr.prefix(500))")
                return nil
            }
            return parse(result.text)
        } catch {
            logger.warning("cannot list filesystems with mmlsfs; not reported to the hub: \(error)")
            return nil
        }
    }

    /// The `defaultMountPoint` rows of `mmlsfs -Y` output.
    static func parse(_ text: String) -> [String: String] {
        var mounts: [String: String] = [:]
        for record in GPFSListing(text).records() where record["fieldName"] == "defaultMountPoint" {
            if let device = record["deviceName"], let mount = record["data"], !mount.isEmpty {
                mounts[device.hasPrefix("/dev/") ? String(device.dropFirst(5)) : device] = mount
            }
        }
        return mounts
    }
}
