extension ReliableQueue {
    /// Appends one entry (`XADD <key> * payload <bytes>`) and returns its stream id.
    ///
    /// Not retried on a broken connection: on ``RedisError/Code/connectionLost`` the entry may or may
    /// not have been added, and the caller decides (the hub re-enqueues a task only under a new attempt
    /// number, so a duplicate is recognised). The stream is never trimmed here.
    public func enqueue(_ payload: [UInt8]) async throws -> String {
        let reply = try await connection.command(
            bytes: [bytes("XADD"), bytes(streamKey), bytes("*"), bytes("payload"), payload],
            retry: .never
        )
        guard let id = reply.string else { throw RedisError.unexpectedReply("XADD", reply) }
        return id
    }

    /// Appends many entries in one round trip, atomically (`MULTI`, one `XADD` each, `EXEC`,
    /// pipelined): either all are added or none. Returns their ids in order.
    ///
    /// As with ``enqueue(_:)``, ``RedisError/Code/connectionLost`` means the outcome is unknown (all or
    /// none). Keep batches to a few thousand entries: Redis runs the transaction without interruption.
    public func enqueueMany(_ payloads: [[UInt8]]) async throws -> [String] {
        try await enqueueMany(entries: payloads.map { QueueEntry(payload: $0) })
    }

    /// ``enqueueMany(_:)`` for entries that carry tags beside their payload (see ``QueueEntry``).
    public func enqueueMany(entries: [QueueEntry]) async throws -> [String] {
        guard !entries.isEmpty else { return [] }
        var commands: [[[UInt8]]] = [[bytes("MULTI")]]
        commands.reserveCapacity(entries.count + 2)
        let key = bytes(streamKey)
        for entry in entries {
            var command = [bytes("XADD"), key, bytes("*"), bytes("payload"), entry.payload]
            for tag in entry.tags { command += [bytes(tag.name), bytes(tag.value)] }
            commands.append(command)
        }
        commands.append([bytes("EXEC")])
        let replies = try await connection.pipeline(commands, retry: .never)
        let results = try Self.execResults(replies, command: "MULTI/XADD")
        return try results.map { reply in
            guard let id = reply.string else { throw RedisError.unexpectedReply("XADD", reply) }
            return id
        }
    }

    /// Checks a pipelined `MULTI ... EXEC` and returns EXEC's array; throws the first error reply.
    static func execResults(_ replies: [RedisValue], command: String) throws(RedisError) -> [RedisValue] {
        for reply in replies.dropLast() {
            _ = try reply.throwingServerError(command: command)
        }
        guard let exec = replies.last else { throw .unexpectedReply(command, .null) }
        let value = try exec.throwingServerError(command: command)
        guard let results = value.array, results.count == replies.count - 2 else {
            throw .unexpectedReply("\(command) EXEC", value)
        }
        for result in results {
            _ = try result.throwingServerError(command: command)
        }
        return results
    }
}
