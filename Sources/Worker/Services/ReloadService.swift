import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The configuration in force, replaced by reloads; heartbeats read it so the hub sees queue changes.
final class LiveConfiguration: Sendable {
    private let current: Mutex<WorkerConfiguration>

    init(_ configuration: WorkerConfiguration) { current = Mutex(configuration) }

    var value: WorkerConfiguration { current.withLock { $0 } }

    func replace(with configuration: WorkerConfiguration) { current.withLock { $0 = configuration } }
}

/// `systemctl reload` (SIGHUP): re-reads the config file and hands the new pool list to `PoolsService`
/// (manual L10009-10017). A config that does not parse, or that changes what only a restart can change
/// (the site, the broker, the node name), is refused: the running configuration stays and the log says why.
struct ReloadService: Service, CustomStringConvertible {
    var description: String { "ReloadService" }

    let live: LiveConfiguration
    let load: @Sendable () throws -> WorkerConfiguration
    let apply: @Sendable ([WorkerConfiguration.FunctionPool]) -> Void
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            reload()
        }
    }

    /// One reload attempt; returns whether the new configuration was applied.
    @discardableResult
    func reload() -> Bool {
        let old = live.value
        let new: WorkerConfiguration
        do {
            new = try load()
        } catch {
            logger.error("reload refused, keeping the running configuration: \(error)")
            return false
        }
        if let reason = Self.restartOnlyChange(from: old, to: new) {
            logger.error("reload refused, keeping the running configuration: \(reason) changed; restart the worker to apply it")
            return false
        }
        live.replace(with: new)
        apply(new.pools)
        logger.info("reloaded \(new.path): \(new.pools.count) queue functions")
        return true
    }

    /// What a reload cannot change in a running process, if anything changed.
    static func restartOnlyChange(from old: WorkerConfiguration, to new: WorkerConfiguration) -> String? {
        if old.site != new.site { return "site" }
        if old.redis != new.redis { return "the broker settings" }
        if old.nodeName != new.nodeName { return "node_name" }
        if old.taskLease != new.taskLease || old.maxDeliveries != new.maxDeliveries { return "task_lease/max_deliveries" }
        return nil
    }
}
