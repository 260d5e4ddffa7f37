import Shared

/// Cuts a stream of paths into task batches of at most `maxFiles` files and `maxBytes` bytes,
/// whichever limit gives the smaller batch (site settings `file_batch_size`, `file_batch_gb`, L11345).
///
/// With 100 files of 500 MB, 10 files and 1 GB give 50 batches of 2 (the manual's example).
/// A file larger than `maxBytes` forms a batch of its own; a missing size counts as 0.
public struct Batcher: Sendable {
    public let maxFiles: Int
    public let maxBytes: Int64
    private var pending: [PathItem] = []
    private var pendingBytes: Int64 = 0

    /// Limits below 1 make no sense: `maxFiles` is at least 1, a `maxBytes` of 0 or less means no byte limit.
    public init(maxFiles: Int, maxBytes: Int64) {
        self.maxFiles = max(1, maxFiles)
        self.maxBytes = maxBytes > 0 ? maxBytes : .max
    }

    /// Adds `item`; returns a batch when one is complete: the pending one when `item` would take it
    /// past `maxBytes`, or the one `item` fills to `maxFiles`.
    public mutating func add(_ item: PathItem) -> [PathItem]? {
        let size = max(0, item.size ?? 0)
        var completed: [PathItem]?
        if !pending.isEmpty && (size > maxBytes - pendingBytes || pending.count >= maxFiles) {
            completed = takePending()
        }
        pending.append(item)
        pendingBytes = pendingBytes > .max - size ? .max : pendingBytes + size
        if completed == nil && pending.count >= maxFiles {
            completed = takePending()
        }
        return completed
    }

    /// The last, partial batch, if any.
    public mutating func flush() -> [PathItem]? {
        pending.isEmpty ? nil : takePending()
    }

    public static func batches(_ items: [PathItem], maxFiles: Int, maxBytes: Int64) -> [[PathItem]] {
        var batcher = Batcher(maxFiles: maxFiles, maxBytes: maxBytes)
        var result = items.compactMap { batcher.add($0) }
        if let last = batcher.flush() { result.append(last) }
        return result
    }

    private mutating func takePending() -> [PathItem] {
        defer {
            pending = []
            pendingBytes = 0
        }
        return pending
    }
}
