/// A request's query string as ordered, percent-decoded pairs (`+` is a space, as in HTML forms and
/// Django), and the encoding the API's `next`/`previous` links use.
struct QueryString: Sendable, Equatable {
    var pairs: [(key: String, value: String)]

    init(_ raw: String?) {
        pairs = []
        guard let raw, !raw.isEmpty else { return }
        for part in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(pieces[0])
            let value = pieces.count > 1 ? Self.decode(pieces[1]) : ""
            pairs.append((key, value))
        }
    }

    static func == (lhs: QueryString, rhs: QueryString) -> Bool {
        lhs.pairs.map(\.key) == rhs.pairs.map(\.key) && lhs.pairs.map(\.value) == rhs.pairs.map(\.value)
    }

    /// The last value given for `key` (Django's `QueryDict.get`).
    subscript(key: String) -> String? { pairs.last { $0.key == key }?.value }

    /// The query with `key` set to `value` (or removed when nil), keys sorted, encoded; "" when empty.
    func replacing(_ key: String, with value: String?) -> String {
        var kept = pairs.filter { $0.key != key }
        if let value { kept.append((key, value)) }
        // Sorted by key, stable for repeated keys (manual L25701-25702: params sorted alphabetically).
        let sorted = kept.enumerated().sorted { a, b in
            a.element.key == b.element.key ? a.offset < b.offset : a.element.key < b.element.key
        }.map(\.element)
        return sorted.map { Self.encode($0.key) + "=" + Self.encode($0.value) }.joined(separator: "&")
    }

    static func decode(_ text: Substring) -> String {
        let input = Array(text.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < input.count,
                let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 2
            } else {
                // A stray or malformed escape stays as written.
                bytes.append(byte)
            }
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
