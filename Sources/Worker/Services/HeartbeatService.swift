import Foundation
import Logging
import ServiceLifecycle
import Shared

/// Sends a heartbeat every `interval`: node, site, queues with functions and thread counts, version and
/// plugin task names. The hub registers nodes and queues from it and marks the node offline after `ttl`.
struct HeartbeatService: Service, CustomStringConvertible {
    // swift-service-lifecycle logs services by description: keep configuration (and secrets) out of it.
    var description: String { "HeartbeatService" }

    let live: LiveConfiguration
    let publisher: ResultPublisher
    let pluginTasks: [String]
    /// Filesystem name -> mount point, as `FilesystemProbe` last found them (nil: unknown).
    let filesystems: KnownFilesystems
    let processStarted: Date
    let logger: Logger

    /// The heartbeat as of now.
    func heartbeat(now: Date = Date()) -> Heartbeat {
        let configuration = live.value
        var byQueue: [String: [String: Int]] = [:]
        for pool in configuration.pools {
            byQueue[pool.queue.queue, default: [:]][pool.queue.function.rawValue] = pool.threads
        }
        let queues = byQueue.keys.sorted().map { Heartbeat.Queue(queue: $0, functions: byQueue[$0] ?? [:]) }
        return Heartbeat(
            node: configuration.nodeName, site: configuration.site, softwareVersion: SoftwareVersion.current,
            queues: queues, pluginTasks: pluginTasks, filesystems: filesystems.value, sent: now, started: processStarted,
            // Three missed beats make the node offline.
            ttl: Int((configuration.heartbeatInterval * 3).rounded(.up)))
    }

    func run() async throws {
        let interval = Duration.milliseconds(Int(live.value.heartbeatInterval * 1000))
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await publisher.publish(.heartbeat(heartbeat()))
            } catch is CancellationError {
                return
            } catch {
                logger.error("heartbeat failed: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
