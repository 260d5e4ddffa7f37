import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Learns the node's GPFS filesystems and their mount points (`mmlsfs all -Y`, field `defaultMountPoint`)
/// for the heartbeat. The hub uses them to carry paths between sites that mount a filesystem at different
/// points (every sandbox site on one machine does).
enum FilesystemProbe {
    /// Filesystem name -> mount point; nil when the command is missing or fails (logged at `failureLevel`,
    /// not fatal: a node without the GPFS tools still runs tasks) or the probe is cancelled (not logged).
    static func mounts(tools: ToolSettings, logger: Logger, failureLevel: Logger.Level = .warning) async -> [String: String]? {
        var settings = tools
        settings.timeout = .seconds(30)
        do {
            let result = try await ToolRunner(settings: settings).runCommand(tool: "mmlsfs", arguments: ["all", "-Y"])
            guard result.status == 0 else {
                logger.log(level: failureLevel, "mmlsfs all -Y exited \(result.status); filesystems not reported: \(result.stderr.prefix(500))")
                return nil
            }
            return parse(result.text)
        } catch is CancellationError {
            return nil
        } catch {
            logger.log(level: failureLevel, "cannot list filesystems with mmlsfs; not reported to the hub: \(error)")
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
/// this site until a restart), first after a heartbeat interval and then backing off to `maxRetry`; once
/// known, every `refresh`, so a remount shows without a restart. Off the heartbeat's loop: a probe may
/// take up to its 30 s timeout, longer than a node may stay silent. Only the first of a run of failures
/// is a warning: a node without the GPFS tools is supported, and would otherwise warn every few minutes.
struct FilesystemProbeService: Service, CustomStringConvertible {
    var description: String { "FilesystemProbeService" }

    let known: KnownFilesystems
    let live: LiveConfiguration
    var maxRetry: Duration = .seconds(300)
    var refresh: Duration = .seconds(600)
    let logger: Logger

    /// The wait before the next probe: `refresh` once the filesystems are known (a failed probe never
    /// forgets them), otherwise the heartbeat interval first and then twice the last wait, at most `maxRetry`.
    static func nextDelay(known: Bool, last: Duration?, heartbeat: Duration, maxRetry: Duration, refresh: Duration) -> Duration {
        if known { return refresh }
        guard let last else { return min(heartbeat, maxRetry) }
        return min(last * 2, maxRetry)
    }

    func run() async throws {
        var delay: Duration? = nil
        // The probe before the first heartbeat warned already when it failed.
        var warned = known.value == nil
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // The heartbeat interval is read each time: a reload (SIGHUP) may change it.
            let heartbeat = Duration.milliseconds(Int(live.value.heartbeatInterval * 1000))
            let wait = Self.nextDelay(known: known.value != nil, last: delay, heartbeat: heartbeat, maxRetry: maxRetry, refresh: refresh)
            delay = wait
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            } catch {
                return
            }
            let configuration = live.value
            let tools = ToolSettings(commands: configuration.commands, extraArguments: configuration.extraArguments)
            let level: Logger.Level = warned ? .debug : .warning
            // A shutdown cancels a probe in flight (the tool is killed) rather than waiting for its timeout.
            let found = try? await cancelWhenGracefulShutdown {
                await FilesystemProbe.mounts(tools: tools, logger: logger, failureLevel: level)
            }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            if let found = found ?? nil {
                warned = false
                if known.record(found) {
                    logger.info("filesystems reported to the hub: \(found.keys.sorted().map { "\($0)=\(found[$0] ?? "")" }.joined(separator: ", "))")
                }
            } else {
                warned = true
            }
        }
    }
}
