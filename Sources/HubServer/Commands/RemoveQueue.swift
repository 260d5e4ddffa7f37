import ArgumentParser
import Foundation
import HubCore
import Logging
import Postgres

/// `ngeneahub manage remove_queue [--offline-only] <site> <queue>` (manual L10019-10075, as
/// `ngeneahubctl manage remove_queue`).
struct Manage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Administration tasks on the hub's records.", subcommands: [RemoveQueue.self])

    struct RemoveQueue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove_queue",
            abstract: "De-register a queue removed from the workers' configuration.",
            discussion: """
                Without --offline-only the queue is hidden at once and kept until no heartbeat mentions it for \
                NGENEAHUB_REMOVED_QUEUE_EXPIRY seconds (1 day), so a worker still running it cannot bring it back \
                before then. With --offline-only it is deleted at once, but only when no live worker runs it; a worker \
                that starts it again registers it again.
                """)

        @Flag(name: .customLong("offline-only"), help: "Remove only if no live worker runs the queue.")
        var offlineOnly = false
        @Argument(help: "The site's name.") var site: String
        @Argument(help: "The queue's name.") var queue: String

        func run() async throws {
            let configuration = try loadHubConfiguration()
            let logger = Logger(label: "ngeneahub")
            let pool = try await openDatabase(configuration, logger: logger)
            let outcome: QueueStore.Removal
            do {
                let online = try await ConfigurationStore(pool: pool).load().nodeOnlineSeconds
                outcome = try await QueueStore(pool: pool).remove(site: site, queue: queue, offlineOnly: offlineOnly, onlineWithin: online)
            } catch {
                await pool.close()
                throw error
            }
            await pool.close()
            switch outcome {
            case .removed: print("queue \(queue) of site \(site) removed; it expires after a day without heartbeats")
            case .deleted: print("queue \(queue) of site \(site) removed")
            case .unknown:
                FileHandle.standardError.write(Data("ngeneahub: site \(site) has no queue \(queue)\n".utf8))
                throw ExitCode(1)
            case .stillOnline:
                FileHandle.standardError.write(
                    Data("ngeneahub: queue \(queue) of site \(site) is still online; stop it first (or remove without --offline-only)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
