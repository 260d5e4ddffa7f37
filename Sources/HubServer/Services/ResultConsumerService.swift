import Foundation
import Logging
import RedisQueue
import ServiceLifecycle
import Shared

/// Consumes `ngenea:results` (group `hub`): heartbeats, started events, progress, results, sub-DAGs.
///
/// A message is acked only after it has been applied, so a hub that dies mid-way leaves it pending and
/// another replica (or this one after restart) reclaims it after the lease. Applying is idempotent.
struct ResultConsumerService: Service, CustomStringConvertible {
    // swift-service-lifecycle logs services by description: keep configuration (and secrets) out of it.
    var description: String { "ResultConsumerService" }

    let redis: RedisConfiguration
    let consumer: String
    let nodes: NodeStore
    let logger: Logger

    func run() async throws {
        let connection = RedisConnection(configuration: redis, logger: logger)
        let stream = ReliableQueue.results(
            connection: connection, options: .init(group: RedisKeys.hubGroup, lease: .seconds(30), maxDeliveries: 10),
            logger: logger)
        var backoff = RetryBackoff()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let claimed = try await stream.claim(consumer: consumer, count: 256, block: .seconds(1))
                backoff.reset()
                var done: [String] = []
                for delivery in claimed.deliveries {
                    await apply(delivery)
                    done.append(delivery.id)
                }
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

    /// Applies one message. A malformed message is logged and dropped (acked): retrying cannot fix it.
    private func apply(_ delivery: Delivery) async {
        let message: HubMessage
        do {
            message = try WireCoding.decode(HubMessage.self, from: delivery.payload)
        } catch {
            logger.error("dropping malformed results entry \(delivery.id): \(error)")
            return
        }
        var backoff = RetryBackoff()
        while !Task.isCancelled {
            do {
                switch message {
                case .heartbeat(let beat):
                    try await nodes.record(beat)
                case .started, .progress, .result, .subDAG:
                    // The workflow engine applies these; until it lands they are only logged.
                    logger.debug("received \(message.kind.rawValue) message \(delivery.id)")
                }
                return
            } catch {
                let delay = backoff.next()
                logger.warning("cannot apply \(message.kind.rawValue) message \(delivery.id), retrying in \(delay): \(error)")
                try? await Task.sleep(for: delay)
            }
        }
    }
}
