import Foundation
import Logging
import RedisQueue
import ServiceLifecycle
import Shared

/// Consumes `ngenea:results` (group `hub`): heartbeats, started events, progress, results (with their sub-DAGs).
///
/// A message is acked only after it has been applied, so a hub that dies mid-way leaves it pending and
/// another replica (or this one after restart) reclaims it after the lease. Applying is idempotent.
struct ResultConsumerService: Service, CustomStringConvertible {
    // swift-service-lifecycle logs services by description: keep configuration (and secrets) out of it.
    var description: String { "ResultConsumerService" }

    let redis: RedisConfiguration
    let consumer: String
    let nodes: NodeStore
    let engine: WorkflowEngine
    let logger: Logger
    /// Consumers of this hub, each claiming and applying its own batches: one records its results' tasks
    /// while another's jobs advance (ResultApplier's two phases), so the hub and PostgreSQL work side by side
    /// instead of taking turns.
    var lanes = 2

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for lane in 0..<max(1, lanes) {
                // The first lane keeps the hub's consumer name; what a dead lane left pending is reclaimed by
                // any lane after the lease.
                group.addTask { await consume(as: lane == 0 ? consumer : "\(consumer)/\(lane + 1)") }
            }
        }
    }

    private func consume(as name: String) async {
        let connection = RedisConnection(configuration: redis, logger: logger)
        // A message that cannot be applied is retried every lease; 1000 deliveries (over four hours) ride out
        // a PostgreSQL outage instead of dropping results that tasks already produced.
        let stream = ReliableQueue.results(
            connection: connection, options: .init(group: RedisKeys.hubGroup, lease: .seconds(15), maxDeliveries: 1000),
            logger: logger)
        var backoff = RetryBackoff()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let claimed = try await stream.claim(consumer: name, count: 256, block: .seconds(1))
                backoff.reset()
                let done = await apply(claimed.deliveries)
                for dead in claimed.deadLetters {
                    logger.error("results entry \(dead.id) could not be applied after \(dead.deliveryCount) deliveries; dropped")
                }
                if !done.isEmpty { _ = try await stream.ack(done) }
            } catch {
                if Task.isCancelled { break }
                let delay = backoff.next()
                logger.warning("results stream: \(error); retrying in \(delay)")
                try? await Task.sleep(for: delay)
            }
        }
        await connection.close()
    }

    /// The most paths (items found, files passed on or reported) one transaction applies. A claimed batch
    /// of discovery results can hold a whole tree: with 1-file batches, 100 results of 1,000 items each
    /// made one transaction create 100,000 tasks, and the hub's memory peak followed (390 MB). Groups of
    /// this weight keep the commit per hundreds of results where results are small.
    static let pathsPerTransaction = 10_000

    /// Applies a claimed batch and returns the ids to ack. Engine messages go in few transactions (one
    /// commit for hundreds of results, up to `pathsPerTransaction`); if one fails, its messages are tried
    /// one by one, so that one message that cannot be applied does not hold back the others (it stays
    /// pending and is dead-lettered after its deliveries).
    private func apply(_ deliveries: [Delivery]) async -> [String] {
        var done: [String] = []
        var engineMessages: [(id: String, message: HubMessage, redelivered: Bool)] = []
        for delivery in deliveries {
            let message: HubMessage
            do {
                message = try WireCoding.decode(HubMessage.self, from: delivery.payload)
            } catch {
                // Retrying cannot fix it: drop it (ack) loudly.
                logger.error("dropping malformed results entry \(delivery.id): \(error)")
                done.append(delivery.id)
                continue
            }
            if case .heartbeat(let beat) = message {
                do {
                    try await nodes.record(beat)
                    done.append(delivery.id)
                } catch {
                    logger.warning("cannot record heartbeat of \(beat.node): \(error)")
                }
            } else {
                engineMessages.append((delivery.id, message, delivery.deliveryCount > 1))
            }
        }
        for group in Self.groups(engineMessages, weight: { Self.paths(in: $0.message) }, limit: Self.pathsPerTransaction) {
            do {
                try await engine.apply(
                    group.map(\.message), redelivered: Set(group.indices.filter { group[$0].redelivered }))
                done += group.map(\.id)
                continue
            } catch {
                logger.warning("applying \(group.count) results together failed (\(error)); applying them one by one")
            }
            for (id, message, redelivered) in group {
                do {
                    try await engine.apply([message], redelivered: redelivered ? [0] : [])
                    done.append(id)
                } catch {
                    logger.error("cannot apply \(message.kind.rawValue) message \(id) (it will be retried): \(error)")
                }
            }
        }
        return done
    }

    /// Consecutive groups of `items` whose weights add up to at most `limit` (an item heavier than that is
    /// a group of its own).
    static func groups<Item>(_ items: [Item], weight: (Item) -> Int, limit: Int) -> [[Item]] {
        var groups: [[Item]] = []
        var current: [Item] = []
        var total = 0
        for item in items {
            let itemWeight = weight(item)
            if !current.isEmpty && total + itemWeight > limit {
                groups.append(current)
                current = []
                total = 0
            }
            current.append(item)
            total += itemWeight
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// The paths a message makes the hub handle (at least 1).
    static func paths(in message: HubMessage) -> Int {
        switch message {
        case .result(let result):
            // Paths left to the hub count as the processed and skipped files they are derived from; a
            // whole-input result's files as its input.
            1 + (result.paths?.count ?? result.status.passedOnCount)
                + (result.discover?.count ?? 0) + result.status.details.values.reduce(0) { $0 + $1.count }
                + (result.status.allInputs == nil ? 0 : result.status.inputTotal)
        case .progress(let batch): 1 + batch.files.count
        case .started, .heartbeat: 1
        }
    }
}
