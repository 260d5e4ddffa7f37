import Foundation
import Logging
import ServiceLifecycle
import Synchronization

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

/// The node's filesystems as last probed, read by every heartbeat.
final class KnownFilesystems: Sendable {
    private let current: Mutex<[String: String]?>

    init(_ initial: [String: String]?) { current = Mutex(initial) }

    var value: [String: String]? { current.withLock { $0 } }

    /// Records a probe's answer. A failed probe (nil) keeps what an earlier one found: a tool that fails
    /// once does not make the hub forget the mounts. Returns whether the mounts changed.
    @discardableResult
    func record(_ found: [String: String]?) -> Bool {
        guard let found else { return false }
        return current.withLock { known in
            defer { known = found }
            return known != found
        }
    }
}

/// Probes the filesystems again in the background: while they are unknown (`mmlsfs` failed or was
/// missing when the worker started; a start-time failure must not leave the hub unable to carry paths to
/// this site until a restart), first after `retry` and then backing off to `maxRetry`; once known, every
/// `refresh`, so a remount shows without a restart. Off the heartbeat's loop: a probe may take up to its
/// 30 s timeout, longer than a node may stay silent.
struct FilesystemProbeService: Service, CustomStringConvertible {
    var description: String { "FilesystemProbeService" }

    let known: KnownFilesystems
    let live: LiveConfiguration
    var retry: Duration
    var maxRetry: Duration = .seconds(300)
    var refresh: Duration = .seconds(600)
    let logger: Logger

    func run() async throws {
        var delay = known.value == nil ? retry : refresh
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let wait = delay
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            } catch {
                return
            }
            let configuration = live.value
            let found = await FilesystemProbe.mounts(
                tools: ToolSettings(commands: configuration.commands, extraArguments: configuration.extraArguments), logger: logger)
            if known.record(found), let found {
                logger.info("filesystems reported to the hub: \(found.keys.sorted().map { "\($0)=\(found[$0] ?? "")" }.joined(separator: ", "))")
            }
            delay = known.value != nil ? refresh : min(delay * 2, maxRetry)
        }
    }
}
