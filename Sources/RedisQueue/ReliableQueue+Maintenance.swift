import Logging

extension ReliableQueue {
    /// Acknowledges entries and deletes them from the stream (`MULTI`, `XACK`, `XDEL`, `EXEC` in one
    /// round trip), so the stream only ever holds undelivered and in-flight entries.
    ///
    /// Idempotent, so retried once after a reconnect. Acknowledging an id that is not pending (already
    /// acked, dead-lettered, or unknown) does nothing to the pending list.
    /// - Returns: how many ids were still pending and are now acknowledged.
    @discardableResult
    public func ack(_ ids: [String]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let key = bytes(streamKey)
        let idBytes = ids.map(bytes)
        let commands: [[[UInt8]]] = [
            [bytes("MULTI")],
            [bytes("XACK"), key, bytes(options.group)] + idBytes,
            [bytes("XDEL"), key] + idBytes,
            [bytes("EXEC")],
        ]
        let replies = try await connection.pipeline(commands, retry: .onceAfterReconnect)
        let results = try Self.execResults(replies, command: "XACK/XDEL")
        guard let acked = results.first?.integer else {
            throw RedisError.unexpectedReply("XACK", results.first ?? .null)
        }
        return Int(acked)
    }

    /// Appends `payloads` to `destination` and acks `ids` of this queue in one `MULTI`/`EXEC` on this
    /// queue's connection: a consumer hands on what its entries produced and lets go of them at once,
    /// with nothing between (both keys must live on this server).
    ///
    /// Not retried on a broken connection: on ``RedisError/Code/connectionLost`` either all of it happened
    /// or none. Sending it again is safe where duplicates of `payloads` are recognised (the hub fences a
    /// task's results by attempt); the acks are idempotent.
    public func enqueue(_ payloads: [[UInt8]], to destination: ReliableQueue, acking ids: [String]) async throws {
        guard !payloads.isEmpty || !ids.isEmpty else { return }
        var commands: [[[UInt8]]] = [[bytes("MULTI")]]
        commands.reserveCapacity(payloads.count + 4)
        let target = bytes(destination.streamKey)
        for payload in payloads {
            commands.append([bytes("XADD"), target, bytes("*"), bytes("payload"), payload])
        }
        if !ids.isEmpty {
            let key = bytes(streamKey)
            let idBytes = ids.map(bytes)
            commands.append([bytes("XACK"), key, bytes(options.group)] + idBytes)
            commands.append([bytes("XDEL"), key] + idBytes)
        }
        commands.append([bytes("EXEC")])
        let replies = try await connection.pipeline(commands, retry: .never)
        _ = try Self.execResults(replies, command: "MULTI/XADD/XACK/XDEL")
    }

    /// Removes the entries that were never delivered and whose tag `tag` is `value` (for taking a paused or
    /// cancelled job's queued tasks back), a script call per `chunk` entries scanned so that Redis is never
    /// held for long. Delivered entries (pending) stay. Returns the value of field `returning` of each
    /// removed entry (empty when it has none).
    ///
    /// Not retried on a broken connection (a retry could not tell what the first attempt removed):
    /// on ``RedisError/Code/connectionLost`` the outcome of the last chunk is unknown.
    public func deleteUndelivered(tagged tag: String, as value: String, returning: String, chunk: Int = 1000) async throws -> [String] {
        var removed: [String] = [], cursor = ""
        repeat {
            let reply = try await connection.command(
                bytes: [
                    bytes("EVAL"), bytes(QueueScripts.deleteUndeliveredTagged), bytes("1"), bytes(streamKey), bytes(options.group),
                    bytes(tag), bytes(value), bytes(returning), bytes(cursor), bytes(String(max(1, chunk))),
                ], retry: .never)
            guard let parts = reply.array, parts.count == 2, let values = parts[1].array else {
                throw RedisError.unexpectedReply("delete script", reply)
            }
            removed += values.map { $0.string ?? "" }
            cursor = parts[0].string ?? ""
        } while !cursor.isEmpty
        logger.debug("deleted undelivered entries", metadata: ["tag": "\(tag)=\(value)", "removed": "\(removed.count)"])
        return removed
    }

    /// How many entries are delivered and not yet acknowledged (the group's pending list).
    public func pendingCount() async throws -> Int {
        let reply = try await withGroupRecovery {
            try await connection.command(["XPENDING", streamKey, options.group], retry: .onceAfterReconnect)
        }
        guard let summary = reply.array, let count = summary.first?.integer else {
            throw RedisError.unexpectedReply("XPENDING", reply)
        }
        return Int(count)
    }

    /// How many entries the stream holds: undelivered plus in flight (acked ones are deleted).
    public func length() async throws -> Int {
        let reply = try await connection.command(["XLEN", streamKey], retry: .onceAfterReconnect)
        guard let count = reply.integer else { throw RedisError.unexpectedReply("XLEN", reply) }
        return Int(count)
    }

    /// The oldest `count` entries of the dead-letter stream.
    public func deadLetters(count: Int = 100) async throws -> [DeadLetter] {
        guard count >= 1 else { throw RedisError.invalidArgument("count must be at least 1") }
        let reply = try await connection.command(
            ["XRANGE", deadLetterKey, "-", "+", "COUNT", String(count)],
            retry: .onceAfterReconnect
        )
        guard let entries = reply.array else { throw RedisError.unexpectedReply("XRANGE", reply) }
        return try entries.map { entry throws(RedisError) in
            let (deadID, fields) = try Self.parseEntryFields(entry, command: "XRANGE")
            func text(_ name: String) -> String { fields[name].map { String(decoding: $0, as: UTF8.self) } ?? "" }
            return DeadLetter(
                id: text("id"),
                payload: fields["payload"] ?? [],
                deliveryCount: Int(text("deliveries")) ?? 0,
                lastConsumer: text("consumer"),
                reason: text("reason"),
                deadLetterID: deadID
            )
        }
    }

    /// Deletes dead letters (by ``DeadLetter/deadLetterID``) once they have been handled.
    /// - Returns: how many were deleted.
    @discardableResult
    public func removeDeadLetters(_ deadLetterIDs: [String]) async throws -> Int {
        guard !deadLetterIDs.isEmpty else { return 0 }
        let reply = try await connection.command(["XDEL", deadLetterKey] + deadLetterIDs, retry: .onceAfterReconnect)
        guard let count = reply.integer else { throw RedisError.unexpectedReply("XDEL", reply) }
        return Int(count)
    }
}
