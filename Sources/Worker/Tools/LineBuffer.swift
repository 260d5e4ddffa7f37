/// Splits a child's stdout, arriving in arbitrary chunks, into newline-terminated lines; keeps the
/// unfinished tail until more bytes (or the end) come. Shared by the plugin and tool output decoders.
struct LineBuffer {
    /// Bytes after the last newline seen.
    private(set) var pending: [UInt8] = []

    /// The complete lines in `bytes` (without their newlines), in order.
    mutating func feed<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var start = bytes.startIndex
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            if pending.isEmpty {
                lines.append(Array(bytes[start..<newline]))
            } else {
                pending.append(contentsOf: bytes[start..<newline])
                lines.append(pending)
                pending.removeAll(keepingCapacity: true)
            }
            start = bytes.index(after: newline)
        }
        pending.append(contentsOf: bytes[start...])
        return lines
    }

    /// The unfinished last line (a line without its newline), emptying the buffer.
    mutating func takeRest() -> [UInt8] {
        defer { pending.removeAll() }
        return pending
    }
}
