/// An entry to enqueue: the payload a consumer gets, and tags, stream fields beside it that consumers
/// never see and that ``ReliableQueue/deleteUndelivered(tagged:as:returning:)`` selects entries by (the
/// hub tags each task with its job, to take a paused job's tasks back).
public struct QueueEntry: Sendable {
    public var payload: [UInt8]
    /// Field names other than `payload`.
    public var tags: [(name: String, value: String)]

    public init(payload: [UInt8], tags: [(name: String, value: String)] = []) {
        self.payload = payload
        self.tags = tags
    }
}

/// An entry handed to a consumer by ``ReliableQueue/claim(consumer:count:block:)``.
///
/// The consumer must ``ReliableQueue/ack(_:)`` it when done, and extend its lease
/// (``ReliableQueue/extendLease(ids:consumer:)`` or a ``LeaseKeeper``) more often than the lease
/// duration while working on it; otherwise it is delivered again to another consumer.
public struct Delivery: Sendable, Hashable {
    /// The stream entry id (`<ms>-<seq>`), used to ack, extend or delete it.
    public let id: String
    /// The bytes given to ``ReliableQueue/enqueue(_:)``.
    public let payload: [UInt8]
    /// 1 on the first delivery; previous + 1 each time it is reclaimed after an expired lease.
    public let deliveryCount: Int

    public init(id: String, payload: [UInt8], deliveryCount: Int) {
        self.id = id
        self.payload = payload
        self.deliveryCount = deliveryCount
    }
}

/// An entry moved to the dead-letter stream because it was delivered ``ReliableQueue/Options/maxDeliveries``
/// times without being acknowledged. It is gone from the queue stream.
public struct DeadLetter: Sendable, Hashable {
    /// The entry's id in the queue stream it came from.
    public let id: String
    /// The original payload (empty if the entry's payload was missing).
    public let payload: [UInt8]
    /// How many times it was delivered.
    public let deliveryCount: Int
    /// The consumer that had it last.
    public let lastConsumer: String
    /// Why it was dead-lettered, for the task's failure message.
    public let reason: String
    /// Its id in the dead-letter stream (for ``ReliableQueue/removeDeadLetters(_:)``).
    public let deadLetterID: String

    public init(id: String, payload: [UInt8], deliveryCount: Int, lastConsumer: String, reason: String, deadLetterID: String) {
        self.id = id
        self.payload = payload
        self.deliveryCount = deliveryCount
        self.lastConsumer = lastConsumer
        self.reason = reason
        self.deadLetterID = deadLetterID
    }
}

/// What one ``ReliableQueue/claim(consumer:count:block:)`` call got.
public struct ClaimResult: Sendable, Hashable {
    /// Entries now owned by the claiming consumer: reclaimed ones (expired leases) first, then new ones.
    public var deliveries: [Delivery]
    /// Entries this call moved to the dead-letter stream; the caller should fail their tasks.
    public var deadLetters: [DeadLetter]

    public init(deliveries: [Delivery] = [], deadLetters: [DeadLetter] = []) {
        self.deliveries = deliveries
        self.deadLetters = deadLetters
    }

    /// True when nothing was delivered or dead-lettered.
    public var isEmpty: Bool { deliveries.isEmpty && deadLetters.isEmpty }
}

/// The outcome of ``ReliableQueue/extendLease(ids:consumer:)``.
public struct LeaseExtension: Sendable, Hashable {
    /// Ids whose lease was renewed (idle time reset to 0).
    public var kept: [String]
    /// Ids the consumer no longer owns: reclaimed by another consumer after the lease expired, already
    /// acknowledged, or dead-lettered. The consumer should stop working on them and must not expect its
    /// ack to count.
    public var lost: [String]

    public init(kept: [String] = [], lost: [String] = []) {
        self.kept = kept
        self.lost = lost
    }
}
