import CHiredis

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One hiredis `redisContext`: a blocking TCP connection. Owned by exactly one ``RedisConnection`` and
/// used only on that connection's thread; freed with `redisFree` when released.
///
/// Every failing call leaves the context unusable (hiredis keeps the error sticky); the owner discards it
/// and makes a new one. Replies are copied into ``RedisValue`` and freed before a call returns.
final class HiredisContext {
    private let context: UnsafeMutablePointer<redisContext>
    /// `host:port`, for messages.
    let endpoint: String

    private init(context: UnsafeMutablePointer<redisContext>, endpoint: String) {
        self.context = context
        self.endpoint = endpoint
    }

    deinit {
        redisFree(context)
    }

    /// Connects with a timeout. Blocks the calling thread for up to `timeout` (plus name resolution).
    static func connect(host: String, port: Int, timeout: Duration) throws(RedisError) -> HiredisContext {
        let endpoint = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        guard let context = redisConnectWithTimeout(host, Int32(clamping: port), Duration.socketTimeval(timeout)) else {
            throw .connectionFailed("could not allocate a hiredis context for \(endpoint)")
        }
        if context.pointee.err != 0 {
            let reason = Self.errorString(context)
            redisFree(context)
            throw .connectionFailed("could not connect to \(endpoint): \(reason)")
        }
        return HiredisContext(context: context, endpoint: endpoint)
    }

    /// The socket, for `shutdown(2)` from another thread to interrupt a blocked read.
    var fileDescriptor: Int32 { context.pointee.fd }

    /// Sets the socket's send and receive timeouts; nil means none.
    func setTimeout(_ timeout: Duration?) throws(RedisError) {
        if redisSetTimeout(context, Duration.socketTimeval(timeout)) != REDIS_OK {
            throw .connectionLost("could not set the socket timeout on \(endpoint): \(Self.errorString(context))")
        }
    }

    /// Sends one command and waits for its reply. An error reply is returned as ``RedisValue/error(_:)``;
    /// only connection-level failures throw (code `connectionLost`).
    func execute(_ arguments: [[UInt8]], commandName: String) throws(RedisError) -> RedisValue {
        let reply = try ArgvBuffer.with(arguments) { argc, argv, lengths throws(RedisError) in
            redisCommandArgv(context, argc, argv, lengths)
        }
        guard let reply else { throw ioError(during: commandName) }
        defer { freeReplyObject(reply) }
        return RedisValue(copying: reply.assumingMemoryBound(to: redisReply.self))
    }

    /// Sends all commands in one write, then reads one reply per command (pipelining: one round trip).
    /// Error replies are returned in place; connection failures throw.
    func executePipeline(_ commands: [[[UInt8]]], commandName: String) throws(RedisError) -> [RedisValue] {
        for arguments in commands {
            let status = try ArgvBuffer.with(arguments) { argc, argv, lengths throws(RedisError) in
                redisAppendCommandArgv(context, argc, argv, lengths)
            }
            guard status == REDIS_OK else { throw ioError(during: commandName) }
        }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var reply: UnsafeMutableRawPointer?
            guard redisGetReply(context, &reply) == REDIS_OK, let reply else { throw ioError(during: commandName) }
            replies.append(RedisValue(copying: reply.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(reply)
        }
        return replies
    }

    /// Describes the context's sticky error as a `connectionLost` error naming the command.
    private func ioError(during commandName: String) -> RedisError {
        let kind = context.pointee.err
        let reason = Self.errorString(context)
        // hiredis stores strerror(errno) at the moment of failure; errno itself may have changed since.
        if kind == REDIS_ERR_IO && (reason == Self.message(EAGAIN) || reason == Self.message(EWOULDBLOCK)) {
            return .connectionLost("timed out waiting for the reply to \(commandName) from \(endpoint)")
        }
        if kind == REDIS_ERR_EOF {
            return .connectionLost("\(endpoint) closed the connection during \(commandName)")
        }
        if kind == REDIS_ERR_PROTOCOL {
            return .connectionLost("protocol error from \(endpoint) during \(commandName): \(reason)")
        }
        return .connectionLost("I/O error with \(endpoint) during \(commandName): \(reason.isEmpty ? "unknown" : reason)")
    }

    private static func message(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "" }
        return String(cString: text)
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
