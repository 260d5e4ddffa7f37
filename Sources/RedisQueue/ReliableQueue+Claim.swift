import Logging

extension ReliableQueue {
    /// Hands up to `count` entries to `consumer`.
    ///
    /// 1. Reclaim (at most every ``Options/reclaimInterval``): entries idle longer than the lease are
    ///    taken over atomically (XPENDING IDLE + XCLAIM in one script), with delivery count + 1; entries
    ///    already delivered ``Options/maxDeliveries`` times are dead-lettered instead and returned in
    ///    ``ClaimResult/deadLetters``.
    /// 2. New entries: `XREADGROUP GROUP <group> <consumer> COUNT <n> [BLOCK <ms>] STREAMS <key> >`.
    ///    It blocks (up to `block`; nil or zero does not block) only when step 1 found nothing.
    ///
    /// Every returned entry is pending under `consumer` until acked; its lease starts now.
    ///
    /// - Parameters:
    ///   - consumer: a name unique to the process and slot (e.g. `host:pid:slot`); a consumer that dies
    ///     and comes back under the same name does not get its old entries back before the lease ends.
    ///   - count: the most entries to return (>= 1).
    ///   - block: how long to wait for a new entry when there is none. Run blocking claims on a
    ///     connection of their own.
    /// - Throws: ``RedisError``; `connectionLost` means entries may have been handed to `consumer`
    ///   without it seeing them: they are reclaimed (by anyone) once the lease expires, never lost.
    ///   When the reclaim step succeeded and the read fails, the reclaimed entries are returned
    ///   rather than the error. `CancellationError` if the task is cancelled before the call or while
    ///   blocked.
    public func claim(consumer: String, count: Int = 1, block: Duration? = nil) async throws -> ClaimResult {
        try checkArguments(count: count)
        // A consumer that is shutting down must not take entries it will not work on.
        try Task.checkCancellation()
        var result = ClaimResult()
        if reclaimSchedule.isDue(interval: options.reclaimInterval) {
            result = try await withGroupRecovery { try await reclaimExpired(consumer: consumer, count: count) }
        }
        let remaining = count - result.deliveries.count
        guard remaining > 0 else { return result }
        do {
            let wait = result.isEmpty ? block : nil
            let fresh = try await withGroupRecovery { try await readNew(consumer: consumer, count: remaining, block: wait) }
            result.deliveries += fresh
        } catch where !result.isEmpty {
            logger.warning(
                "reading new entries failed after reclaiming; returning the reclaimed ones",
                metadata: ["consumer": "\(consumer)", "error": "\(error)"]
            )
        }
        return result
    }

    /// Step 1 of ``claim(consumer:count:block:)``: the atomic reclaim/dead-letter script.
    func reclaimExpired(consumer: String, count: Int) async throws -> ClaimResult {
        let reply = try await connection.command(
            bytes: [
                bytes("EVAL"), bytes(QueueScripts.reclaim), bytes("2"), bytes(streamKey), bytes(deadLetterKey),
                bytes(options.group), bytes(consumer), bytes(String(options.lease.wholeMilliseconds)),
                bytes(String(options.maxDeliveries)), bytes(String(count)), bytes(String(options.deadLetterMaxLength)),
            ],
            retry: .never
        )
        guard let parts = reply.array, parts.count == 2, let claimedRows = parts[0].array, let deadRows = parts[1].array else {
            throw RedisError.unexpectedReply("reclaim script", reply)
        }
        var result = ClaimResult()
        for row in claimedRows {
            guard let fields = row.array, fields.count == 4, let id = fields[0].string, let payload = fields[1].bytes,
                let deliveries = fields[2].integer
            else { throw RedisError.unexpectedReply("reclaim script", row) }
            result.deliveries.append(Delivery(id: id, payload: payload, deliveryCount: Int(deliveries)))
        }
        for row in deadRows {
            guard let fields = row.array, fields.count == 6, let id = fields[0].string, let payload = fields[1].bytes,
                let deliveries = fields[2].integer, let owner = fields[3].string, let reason = fields[4].string,
                let deadID = fields[5].string
            else { throw RedisError.unexpectedReply("reclaim script", row) }
            result.deadLetters.append(
                DeadLetter(
                    id: id, payload: payload, deliveryCount: Int(deliveries), lastConsumer: owner,
                    reason: reason, deadLetterID: deadID
                )
            )
        }
        if !result.deliveries.isEmpty {
            logger.info(
                "reclaimed entries whose lease expired",
                metadata: ["consumer": "\(consumer)", "ids": "\(result.deliveries.map(\.id))"]
            )
        }
        if !result.deadLetters.isEmpty {
            logger.warning(
                "dead-lettered entries delivered too often",
                metadata: [
                    "consumer": "\(consumer)", "ids": "\(result.deadLetters.map(\.id))",
                    "maxDeliveries": "\(options.maxDeliveries)",
                ]
            )
        }
        return result
    }

    /// Step 2 of ``claim(consumer:count:block:)``: XREADGROUP for new entries.
    func readNew(consumer: String, count: Int, block: Duration?) async throws -> [Delivery] {
        var arguments = [
            bytes("XREADGROUP"), bytes("GROUP"), bytes(options.group), bytes(consumer), bytes("COUNT"), bytes(String(count)),
        ]
        let reply: RedisValue
        if let block, block.wholeMilliseconds > 0 {
            arguments += [bytes("BLOCK"), bytes(String(block.wholeMilliseconds)), bytes("STREAMS"), bytes(streamKey), bytes(">")]
            reply = try await connection.blockingCommand(arguments, blockingFor: block, retry: .never)
        } else {
            arguments += [bytes("STREAMS"), bytes(streamKey), bytes(">")]
            reply = try await connection.command(bytes: arguments, retry: .never)
        }
        if reply.isNull { return [] }
        guard let streams = reply.array else { throw RedisError.unexpectedReply("XREADGROUP", reply) }
        var deliveries: [Delivery] = []
        for stream in streams {
            guard let pair = stream.array, pair.count == 2, let entries = pair[1].array else {
                throw RedisError.unexpectedReply("XREADGROUP", stream)
            }
            for entry in entries {
                let (id, payload) = try Self.parseEntry(entry, command: "XREADGROUP")
                deliveries.append(Delivery(id: id, payload: payload, deliveryCount: 1))
            }
        }
        return deliveries
    }

    /// Parses `[id, [field, value, ...]]`; the payload is the value of field `payload` (empty if absent).
    static func parseEntry(_ entry: RedisValue, command: String) throws(RedisError) -> (id: String, payload: [UInt8]) {
        let (id, fields) = try parseEntryFields(entry, command: command)
        return (id, fields["payload"] ?? [])
    }

    /// Parses `[id, [field, value, ...]]` into the id and a field dictionary.
    static func parseEntryFields(_ entry: RedisValue, command: String) throws(RedisError) -> (id: String, fields: [String: [UInt8]]) {
        guard let parts = entry.array, parts.count == 2, let id = parts[0].string else {
            throw .unexpectedReply(command, entry)
        }
        var fields: [String: [UInt8]] = [:]
        if let flat = parts[1].array {
            var index = 0
            while index + 1 < flat.count {
                if let name = flat[index].string, let value = flat[index + 1].bytes {
                    fields[name] = value
                }
                index += 2
            }
        }
        return (id, fields)
    }
}
