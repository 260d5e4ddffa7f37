import Logging

/// A reliable work queue on one Redis stream with one consumer group: at-least-once delivery with
/// leases, so that no entry is lost when a process dies, and an entry is never held by two live
/// consumers at once.
///
/// - Keys: the stream `<keyPrefix><name>` (default `ngenea:q:<name>`, e.g. `ngenea:q:london.default#worker`),
///   the dead-letter stream `<deadLetterPrefix><name>` (default `ngenea:dead:<name>`), and the consumer
///   group ``Options/group`` (default `workers`). The hub's results use the same type on `ngenea:results`
///   with group `hub` (``results(connection:options:logger:)``).
/// - Life of an entry: ``enqueue(_:)`` (XADD) → ``claim(consumer:count:block:)`` (XREADGROUP; the entry
///   is now pending under the consumer, with a lease) → ``ack(_:)`` (XACK + XDEL, so the stream holds
///   only undelivered and in-flight entries and does not grow without bound).
/// - Leases: an entry pending longer than ``Options/lease`` (idle time) is presumed abandoned and is
///   reclaimed by the next consumer that claims, with its delivery count + 1; after
///   ``Options/maxDeliveries`` deliveries it is dead-lettered instead. A consumer working longer than
///   the lease must renew it with ``extendLease(ids:consumer:)`` or a ``LeaseKeeper``.
/// - Group loss: every operation that needs the group recreates it on a `NOGROUP` error (Redis
///   restarted without data, stream deleted) and retries once. The group is created at id `0`, not `$`,
///   so entries enqueued before any consumer existed (or while the group was missing) are delivered.
/// - Connections: the queue uses the one ``RedisConnection`` it is given. A connection serialises its
///   calls and a blocking claim holds it, so give each blocking consumer its own connection, and run
///   lease renewal on another (``using(_:)`` makes a copy of the queue bound to another connection).
public struct ReliableQueue: Sendable {
    /// Tuning of a queue.
    public struct Options: Sendable, Hashable {
        /// The consumer group. `workers` for task queues, `hub` for results.
        public var group: String
        /// How long an entry may stay pending without its lease being renewed before another consumer
        /// may reclaim it. Must be well above the time between lease renewals.
        public var lease: Duration
        /// Deliveries after which an unacknowledged entry is dead-lettered instead of reclaimed (>= 1).
        public var maxDeliveries: Int
        /// Minimum time between two reclaim scans by this queue value (and its copies); `.zero` scans
        /// on every claim. A scan costs one round trip plus a walk of the pending list in Redis.
        public var reclaimInterval: Duration
        /// Approximate cap (`MAXLEN ~`) of the dead-letter stream. The queue stream itself is never
        /// trimmed: trimming would drop undelivered tasks.
        public var deadLetterMaxLength: Int

        public init(
            group: String = "workers",
            lease: Duration = .seconds(30),
            maxDeliveries: Int = 5,
            reclaimInterval: Duration = .seconds(1),
            deadLetterMaxLength: Int = 100_000
        ) {
            self.group = group
            self.lease = lease
            self.maxDeliveries = maxDeliveries
            self.reclaimInterval = reclaimInterval
            self.deadLetterMaxLength = deadLetterMaxLength
        }
    }

    /// The default prefix of queue streams.
    public static let defaultKeyPrefix = "ngenea:q:"
    /// The default prefix of dead-letter streams.
    public static let defaultDeadLetterPrefix = "ngenea:dead:"
    /// The stream the workers publish results, started events and per-file outcomes to.
    public static let resultsStreamKey = "ngenea:results"
    /// The dead-letter stream of ``resultsStreamKey``.
    public static let resultsDeadLetterKey = "ngenea:dead:results"

    /// The stream holding the entries.
    public let streamKey: String
    /// The stream dead letters go to.
    public let deadLetterKey: String
    /// Group, lease and limits.
    public let options: Options
    /// The connection every operation of this value uses.
    public let connection: RedisConnection
    let logger: Logger
    let reclaimSchedule: ReclaimSchedule

    /// A queue named `name` (for task queues `<site>.<queue>#<function>`): stream
    /// `<keyPrefix><name>`, dead letters in `<deadLetterPrefix><name>`.
    public init(
        name: String,
        connection: RedisConnection,
        options: Options = Options(),
        keyPrefix: String = ReliableQueue.defaultKeyPrefix,
        deadLetterPrefix: String = ReliableQueue.defaultDeadLetterPrefix,
        logger: Logger = Logger(label: "ngenea.redis.queue")
    ) {
        self.init(
            streamKey: keyPrefix + name,
            deadLetterKey: deadLetterPrefix + name,
            connection: connection,
            options: options,
            logger: logger
        )
    }

    /// A queue on explicit stream keys.
    public init(
        streamKey: String,
        deadLetterKey: String,
        connection: RedisConnection,
        options: Options = Options(),
        logger: Logger = Logger(label: "ngenea.redis.queue")
    ) {
        self.streamKey = streamKey
        self.deadLetterKey = deadLetterKey
        self.options = options
        self.connection = connection
        var logger = logger
        logger[metadataKey: "stream"] = "\(streamKey)"
        logger[metadataKey: "group"] = "\(options.group)"
        self.logger = logger
        self.reclaimSchedule = ReclaimSchedule()
    }

    /// The results stream `ngenea:results` consumed by the hub with group `hub` (workers only
    /// ``enqueue(_:)`` to it).
    public static func results(
        connection: RedisConnection,
        options: Options = Options(group: "hub"),
        logger: Logger = Logger(label: "ngenea.redis.queue")
    ) -> ReliableQueue {
        ReliableQueue(
            streamKey: resultsStreamKey,
            deadLetterKey: resultsDeadLetterKey,
            connection: connection,
            options: options,
            logger: logger
        )
    }

    /// The same queue (keys, group, options) on another connection, e.g. one for a lease keeper
    /// beside a connection that blocks in claims.
    public func using(_ connection: RedisConnection) -> ReliableQueue {
        ReliableQueue(
            streamKey: streamKey,
            deadLetterKey: deadLetterKey,
            connection: connection,
            options: options,
            logger: logger
        )
    }

    // MARK: - Group

    /// Creates the stream and the consumer group if missing (`XGROUP CREATE <key> <group> 0 MKSTREAM`).
    /// Tolerates an existing group. Operations call it themselves on `NOGROUP`; calling it at start-up
    /// only surfaces configuration problems early.
    /// - Returns: true if the group was created now, false if it existed.
    @discardableResult
    public func ensureGroup() async throws -> Bool {
        do {
            _ = try await connection.command(
                ["XGROUP", "CREATE", streamKey, options.group, "0", "MKSTREAM"],
                retry: .onceAfterReconnect
            )
            logger.debug("created the consumer group")
            return true
        } catch let error as RedisError where error.serverErrorCode == "BUSYGROUP" {
            return false
        }
    }

    /// Runs `operation`; when the stream or group is gone (`NOGROUP`, or `UNBLOCKED` for a blocked
    /// XREADGROUP whose stream was deleted) recreates the group and runs it once more.
    func withGroupRecovery<Result>(_ operation: () async throws -> Result) async throws -> Result {
        do {
            return try await operation()
        } catch let error as RedisError where error.isNoGroup || error.serverErrorCode == "UNBLOCKED" {
            logger.notice("the stream or consumer group is missing; recreating it", metadata: ["error": "\(error.message)"])
            try await ensureGroup()
            return try await operation()
        }
    }

    // MARK: - Arguments

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    func checkArguments(count: Int? = nil) throws(RedisError) {
        if let count, count < 1 {
            throw .invalidArgument("count must be at least 1")
        }
        guard options.lease.wholeMilliseconds >= 1 else {
            throw .invalidArgument("the lease must be at least 1 ms")
        }
        guard options.maxDeliveries >= 1 else {
            throw .invalidArgument("maxDeliveries must be at least 1")
        }
        guard options.deadLetterMaxLength >= 1 else {
            throw .invalidArgument("deadLetterMaxLength must be at least 1")
        }
    }
}
