/// Reads the machine-readable `-Y` output of the GPFS commands: per record type a `HEADER` line naming
/// the fields, then data lines, colon-separated with a trailing colon, values escaped `%25` `%3A` `%0A`.
/// Fields are picked by header name, as GPFS recommends.
struct GPFSListing: Sendable {
    /// One data line: field name -> value (unescaped).
    typealias Record = [String: String]

    /// Records by record type (the second column; often empty).
    private(set) var records: [String: [Record]] = [:]

    init(_ text: String) {
        var headers: [String: [String]] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            var columns = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            if columns.last == "" { columns.removeLast() }
            guard columns.count >= 3 else { continue }
            let type = columns[1]
            if columns[2] == "HEADER" {
                headers[type] = Array(columns.dropFirst(3))
                continue
            }
            guard let names = headers[type] else { continue }
            let values = columns.dropFirst(3)
            var record: Record = [:]
            for (name, value) in zip(names, values) where !name.hasPrefix("reserved") && name != "version" {
                record[name] = Self.unescape(value)
            }
            records[type, default: []].append(record)
        }
    }

    func records(_ type: String = "") -> [Record] { records[type] ?? [] }

    /// Undoes `%XX` escapes in one pass (GPFS escapes `%`, `:` and newline this way).
    static func unescape(_ value: String) -> String {
        guard value.utf8.contains(0x25) else { return value }
        let bytes = Array(value.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x25, index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
