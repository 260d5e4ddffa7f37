import Foundation
import RedisQueue
import Shared

/// Reads what workers send to the hub (`ngenea:results`) with a consumer group of its own, as a hub
/// stand-in for worker tests.
struct ResultsReader {
    let stream: ReliableQueue

    init(connection: RedisConnection, group: String = "test-reader") async throws {
        stream = ReliableQueue.results(connection: connection, options: .init(group: group))
        try await stream.ensureGroup()
    }

    /// Reads messages until `done` returns true for the collected list or `timeout` passes.
    func collect(
        timeout: Duration = .seconds(20), until done: ([HubMessage]) -> Bool
    ) async throws -> [HubMessage] {
        var messages: [HubMessage] = []
        let deadline = ContinuousClock.now + timeout
        while !done(messages) && ContinuousClock.now < deadline {
            let claim = try await stream.claim(consumer: "reader", count: 500, block: .milliseconds(300))
            for delivery in claim.deliveries {
                messages.append(try WireCoding.decode(HubMessage.self, from: delivery.payload))
            }
            _ = try await stream.ack(claim.deliveries.map(\.id))
        }
        return messages
    }

    /// Waits for a heartbeat that satisfies `condition`.
    func heartbeat(timeout: Duration = .seconds(20), where condition: @escaping (Heartbeat) -> Bool) async throws -> Heartbeat? {
        var found: Heartbeat?
        _ = try await collect(timeout: timeout) { messages in
            for case .heartbeat(let beat) in messages.reversed() where condition(beat) {
                found = beat
                return true
            }
            return false
        }
        return found
    }
}
