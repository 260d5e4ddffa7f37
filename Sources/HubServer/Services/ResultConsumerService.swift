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

    func run() async throws {
        let connection = RedisConnection(configuration: redis, logger: logger)
        // A message that cannot be applied is retried every lease; 1000 deliveries (over four hours) ride out
        // a PostgreSQL outage instead of dropping results that tasks already produced.
        let stream = ReliableQueue.results(
            connection: connection, options: .init(group: RedisKeys.hubGroup, lease: .seconds(15), maxDeliveries: 1000),
            logger: logger)
        var backoff = RetryBackoff()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let claimed = try await stream.claim(consumer: consumer, count: 256, block: .seconds(1))
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

    /// Applies a claimed batch and returns the ids to ack. Engine messages go in one transaction (one commit
    /// for hundreds of results); if that fails, each is tried alone, so that one message that cannot be
    /// applied does not hold back the others (it stays pending and is dead-lettered after its deliveries).
    private func apply(_ deliveries: [Delivery]) async -> [String] {
        var done: [String] = []
        var engineMessages: [(id: String, message: HubMessage)] = []
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
                engineMessages.append((delivery.id, message))
            }
        }
        guard !engineMessages.isEmpty else { return done }
        do {
            try await engine.apply(engineMessages.map(\.message))
            return done + engineMessages.map(\.id)
        } catch {
            logger.warning("applying \(engineMessages.count) results together failed (\(error)); applying them one by one")
        }
        for (id, message) in engineMessages {
            do {
                try await engine.apply([message])
                done.append(id)
            } catch {
                logger.error("cannot apply \(message.kind.rawValue) message \(id) (it will be retried): \(error)")
            }
        }
        return done
    }
}
