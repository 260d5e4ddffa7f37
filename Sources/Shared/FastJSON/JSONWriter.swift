import Foundation

/// Writes JSON bytes exactly as `WireCoding.encoder()` does (compact, keys in byte order, `/` not
/// escaped, control characters as `\b \f \n \r \t` or `\u00xx`), for the messages that flow per task.
/// Callers write an object's fields in sorted key order; values it cannot write identically (doubles,
/// objects with non-ASCII keys, nested `Codable` types) go through the encoder and are spliced in.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")) }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")) }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")) }

    /// `"name":`, after a comma unless it is the object's first field. `name` needs no escaping.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        // Byte by byte: an array literal here was an allocation per key.
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A key known only at run time (dictionary keys), escaped like any string.
    public mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func string(_ text: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var text = text
        // Over the contiguous UTF-8 bytes: iterating `String.UTF8View` cost the worker 7% of its CPU.
        text.withUTF8 { utf8 in
            // Most strings (paths) need no escaping: copy them whole.
            if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0..<0x20:
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                    bytes.append(contentsOf: [Self.hexDigit(byte >> 4), Self.hexDigit(byte & 0xF)])
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// Callers in other modules reach the concrete overloads: the generic one is not specialized across
    /// modules, and its witness calls (`bitWidth`, `Int64(exactly:)`) were a few percent of the worker.
    public mutating func int(_ value: Int) { int(Int64(value)) }

    public mutating func int<T: BinaryInteger>(_ value: T) {
        guard let number = Int64(exactly: value) else {
            separate()
            bytes.append(contentsOf: String(value).utf8)
            return
        }
        int(number)
    }

    public mutating func int(_ number: Int64) {
        separate()
        // Digits written directly (no String per number); Int64.min has no positive counterpart.
        guard number != .min else {
            bytes.append(contentsOf: String(number).utf8)
            return
        }
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    public mutating func date(_ date: Date) { string(WireCoding.formatDate(date)) }

    public mutating func strings(_ list: [String]) {
        beginArray()
        for item in list { string(item) }
        endArray()
    }

    /// A value that is already JSON (as the encoder wrote it), spliced in as it is.
    public mutating func raw(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
    }

    /// `value` as `WireCoding.encoder()` writes it.
    public mutating func encoded<T: Encodable>(_ value: T) throws {
        separate()
        bytes.append(contentsOf: try WireCoding.encoder().encode(value))
    }

    /// A comma before a value that follows another in an array (never after `{`, `[` or `:`).
    private mutating func separate() {
        guard let last = bytes.last else { return }
        switch last {
        case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: ":"): return
        default: bytes.append(UInt8(ascii: ","))
        }
    }
}
