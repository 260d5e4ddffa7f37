import Logging

extension ReliableQueue {
    /// Renews the lease of entries `consumer` is working on: for each id still pending under
    /// `consumer`, `XCLAIM <key> <group> <consumer> 0 <id> JUSTID`, which resets the idle time without
    /// bumping the delivery count. Atomic per call (a script), and never takes an entry away from
    /// another consumer: ids the consumer lost are reported in ``LeaseExtension/lost``.
    ///
    /// Renewing more often than ``Options/lease`` (a third of it is a good interval) is what guarantees
    /// that a live, slow consumer keeps its entries and nobody else is handed them meanwhile.
    /// Idempotent, so retried once after a reconnect.
    public func extendLease(ids: [String], consumer: String) async throws -> LeaseExtension {
        guard !ids.isEmpty else { return LeaseExtension() }
        var arguments = [
            bytes("EVAL"), bytes(QueueScripts.extendLeases), bytes("1"), bytes(streamKey), bytes(options.group), bytes(consumer),
        ]
        arguments += ids.map(bytes)
        let reply = try await withGroupRecovery {
            try await connection.command(bytes: arguments, retry: .onceAfterReconnect)
        }
        guard let parts = reply.array, parts.count == 2, let kept = parts[0].array, let lost = parts[1].array else {
            throw RedisError.unexpectedReply("lease extension script", reply)
        }
        let result = LeaseExtension(kept: kept.compactMap(\.string), lost: lost.compactMap(\.string))
        if !result.lost.isEmpty {
            logger.warning("lost the lease of entries", metadata: ["consumer": "\(consumer)", "ids": "\(result.lost)"])
        }
        return result
    }

    /// Runs `body` while a ``LeaseKeeper`` renews the leases of `ids` for `consumer` every `interval`
    /// (default: a third of the lease), then stops it. Use a connection other than the one blocking in
    /// claims (see ``using(_:)``). `body` can check ``LeaseKeeper/lostIDs`` and may track or untrack
    /// ids as they start and finish.
    public func withLeaseKept<Result: Sendable>(
        ids: [String],
        consumer: String,
        interval: Duration? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (LeaseKeeper) async throws -> Result
    ) async throws -> Result {
        let keeper = LeaseKeeper(queue: self, consumer: consumer, interval: interval)
        keeper.track(ids)
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { await keeper.run() }
            defer { group.cancelAll() }
            return try await body(keeper)
        }
    }
}
