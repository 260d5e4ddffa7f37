/// A strict, allocation-light JSON reader over bytes, for the wire messages that flow per task (results,
/// envelopes, started and progress events).
///
/// Foundation's `JSONDecoder` spent about half of the hub's and a fifth of the worker's CPU on these
/// messages. This reader walks the bytes once, with no intermediate tree. It is deliberately narrower than
/// JSON: numbers with a fraction or exponent, invalid UTF-8, raw control characters and unpaired
/// surrogates throw, and `WireCoding.decode` then decodes the same bytes with `JSONDecoder`, so every
/// message decodes to exactly what `Codable` would give (or fails with its error).
public struct JSONReader {
    /// Why the fast path gave up (the Codable fallback then has the final word).
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    private let bytes: [UInt8]
    private var at: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.at = 0
    }

    // MARK: Structure

    /// Consumes `{`.
    public mutating func beginObject() throws(Failure) { try expect(UInt8(ascii: "{")) }

    /// The next key of the object being read (its `:` consumed), or nil after its closing `}`.
    /// `first` tracks whether a comma is due; start it at true for each object.
    public mutating func nextKey(_ first: inout Bool) throws(Failure) -> String? {
        guard try nextMember(&first) else { return nil }
        let key = try readString()
        try expect(UInt8(ascii: ":"))
        return key
    }

    /// Whether another member of the object follows (its comma consumed); false after the closing `}`.
    private mutating func nextMember(_ first: inout Bool) throws(Failure) -> Bool {
        skipSpace()
        guard at < bytes.count else { throw Failure("unterminated object") }
        if bytes[at] == UInt8(ascii: "}") {
            at += 1
            return false
        }
        if !first { try expect(UInt8(ascii: ",")) }
        first = false
        return true
    }

    /// Reads an object, handing each key to `field`, which reads (or skips) that key's value.
    public mutating func readObject(_ field: (String, inout JSONReader) throws -> Void) throws {
        try beginObject()
        var first = true
        while let key = try nextKey(&first) { try field(key, &self) }
    }

    /// The keys a reader of one object type knows, matched on their bytes: `readObject(_:_:)` hands over
    /// a key's position here instead of a `String` built for every key of every item (three keys per path
    /// item made that a fifth of decoding an envelope).
    public struct Keys: Sendable {
        fileprivate let names: [String]
        fileprivate let bytes: [[UInt8]]
        public init(_ names: String...) {
            self.names = names
            bytes = names.map { Array($0.utf8) }
        }
        /// An ASCII key, matched on its bytes (names are at most a few dozen bytes: a plain loop).
        fileprivate func index(of key: UnsafeBufferPointer<UInt8>) -> Int? {
            for (index, name) in bytes.enumerated() where name.count == key.count {
                let same = name.withUnsafeBufferPointer { name in
                    var at = 0
                    while at < name.count, name[at] == key[at] { at += 1 }
                    return at == name.count
                }
                if same { return index }
            }
            return nil
        }
        /// Any other key, matched as `String` matches it (as Codable would).
        fileprivate func index(of key: String) -> Int? { names.firstIndex(of: key) }
    }

    /// Reads an object, handing `field` the position in `keys` of each key (nil for a key not there),
    /// and `field` reads (or skips) its value. A key with escapes is unescaped before it is matched. A
    /// known key given twice throws: `JSONDecoder` keeps the first value, and the Codable fallback
    /// decides such an object as it would.
    public mutating func readObject(_ keys: Keys, _ field: (Int?, inout JSONReader) throws -> Void) throws {
        try beginObject()
        var first = true
        var seen: UInt64 = 0
        while try nextMember(&first) {
            let index = try nextKeyIndex(keys)
            if let index, index < 64 {
                guard seen & (1 << index) == 0 else { throw Failure("key given twice") }
                seen |= 1 << index
            }
            try field(index, &self)
        }
    }

    private mutating func nextKeyIndex(_ keys: Keys) throws(Failure) -> Int? {
        skipSpace()
        guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw Failure("expected a string") }
        let start = at + 1
        var stop = start
        while stop < bytes.count, bytes[stop] != UInt8(ascii: "\""), bytes[stop] != UInt8(ascii: "\\"), bytes[stop] >= 0x20,
            bytes[stop] < 0x80
        {
            stop += 1
        }
        let index: Int?
        if stop < bytes.count, bytes[stop] == UInt8(ascii: "\"") {
            index = bytes.withUnsafeBufferPointer { keys.index(of: UnsafeBufferPointer(rebasing: $0[start..<stop])) }
            at = stop + 1
        } else {
            index = keys.index(of: try readString())
        }
        try expect(UInt8(ascii: ":"))
        return index
    }

    /// Consumes `[`.
    public mutating func beginArray() throws(Failure) { try expect(UInt8(ascii: "[")) }

    /// Whether another element follows (its comma consumed); false after the closing `]`.
    public mutating func nextElement(_ first: inout Bool) throws(Failure) -> Bool {
        skipSpace()
        guard at < bytes.count else { throw Failure("unterminated array") }
        if bytes[at] == UInt8(ascii: "]") {
            at += 1
            return false
        }
        if !first { try expect(UInt8(ascii: ",")) }
        first = false
        return true
    }

    /// Only whitespace may follow the value just read.
    public mutating func end() throws(Failure) {
        skipSpace()
        guard at == bytes.count else { throw Failure("trailing bytes after the value") }
    }

    /// The value of the object's last member when that member is `"key":"<string without escapes>"`, found
    /// from the end without reading the rest (nil otherwise). A hint only: the caller still reads the member.
    public func trailingString(forKey key: String) -> String? {
        var end = bytes.count - 1
        func skipSpaceBack() { while end >= 0, Self.isSpace(bytes[end]) { end -= 1 } }
        skipSpaceBack()
        guard end >= 0, bytes[end] == UInt8(ascii: "}") else { return nil }
        end -= 1
        skipSpaceBack()
        guard end >= 0, bytes[end] == UInt8(ascii: "\"") else { return nil }
        let valueEnd = end
        end -= 1
        while end >= 0, bytes[end] != UInt8(ascii: "\"") {
            guard bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20, bytes[end] < 0x80 else { return nil }
            end -= 1
        }
        guard end >= 0 else { return nil }
        let valueStart = end + 1
        end -= 1
        skipSpaceBack()
        guard end >= 0, bytes[end] == UInt8(ascii: ":") else { return nil }
        end -= 1
        skipSpaceBack()
        let quotedKey = Array("\"\(key)\"".utf8)
        guard end + 1 >= quotedKey.count, bytes[(end + 1 - quotedKey.count)...end].elementsEqual(quotedKey) else { return nil }
        return String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self)
    }

    // MARK: Values

    /// Consumes `null` if it comes next.
    public mutating func readNull() -> Bool {
        skipSpace()
        guard at + 4 <= bytes.count, bytes[at] == UInt8(ascii: "n"), bytes[at + 1] == UInt8(ascii: "u"),
            bytes[at + 2] == UInt8(ascii: "l"), bytes[at + 3] == UInt8(ascii: "l")
        else { return false }
        at += 4
        return true
    }

    public mutating func readBool() throws(Failure) -> Bool {
        skipSpace()
        if matches("true") {
            at += 4
            return true
        }
        if matches("false") {
            at += 5
            return false
        }
        throw Failure("expected a boolean")
    }

    /// An integer written without fraction or exponent (anything else goes to the Codable fallback).
    public mutating func readInt64() throws(Failure) -> Int64 {
        skipSpace()
        var negative = false
        if at < bytes.count, bytes[at] == UInt8(ascii: "-") {
            negative = true
            at += 1
        }
        let start = at
        var value: Int64 = 0
        while at < bytes.count, bytes[at] &- UInt8(ascii: "0") < 10 {
            let digit = Int64(bytes[at] &- UInt8(ascii: "0"))
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { throw Failure("integer out of range") }
            value = next
            at += 1
        }
        guard at > start, !(bytes[start] == UInt8(ascii: "0") && at - start > 1) else { throw Failure("expected an integer") }
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") || bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
            throw Failure("not a plain integer")
        }
        return value
    }

    public mutating func readInt() throws(Failure) -> Int {
        guard let value = Int(exactly: try readInt64()) else { throw Failure("integer out of range") }
        return value
    }

    public mutating func readString() throws(Failure) -> String {
        skipSpace()
        guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw Failure("expected a string") }
        at += 1
        let start = at
        // Fast path: no escapes. Scanned over the buffer, without a bounds check per byte (this loop was
        // the largest single cost of decoding paths).
        let (stop, highBits) = bytes.withUnsafeBufferPointer { buffer -> (Int, UInt8) in
            var index = start, high: UInt8 = 0
            while index < buffer.count {
                let byte = buffer[index]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                high |= byte
                index += 1
            }
            return (index, high)
        }
        at = stop
        if at < bytes.count, bytes[at] == UInt8(ascii: "\"") {
            // ASCII needs no validation (and `String(validating:)` costs a generic lookup per call).
            let text =
                highBits < 0x80
                ? bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<stop]), as: UTF8.self) }
                : try Self.utf8(bytes[start..<stop])
            at += 1
            return text
        }
        if at < bytes.count, bytes[at] < 0x20 { throw Failure("control character in a string") }
        var unescaped = Array(bytes[start..<at])
        while at < bytes.count {
            let byte = bytes[at]
            at += 1
            switch byte {
            case UInt8(ascii: "\""):
                return try Self.utf8(unescaped[...])
            case UInt8(ascii: "\\"):
                try readEscape(into: &unescaped)
            case 0..<0x20:
                throw Failure("control character in a string")
            default:
                unescaped.append(byte)
            }
        }
        throw Failure("unterminated string")
    }

    /// Skips one value of any kind, finding only where it ends: whoever reads it for real validates it, and
    /// an ignored key's value is not worth validating (a message body, which comes before its type, is
    /// skipped once and read afterwards).
    public mutating func skipValue() throws(Failure) {
        skipSpace()
        var depth = 0
        repeat {
            guard at < bytes.count else { throw Failure("unterminated value") }
            switch bytes[at] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                at += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard depth > 0 else { throw Failure("unbalanced brackets") }
                depth -= 1
                at += 1
            case UInt8(ascii: "\""):
                at += 1
                while at < bytes.count, bytes[at] != UInt8(ascii: "\"") {
                    at += bytes[at] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard at < bytes.count else { throw Failure("unterminated string") }
                at += 1
            case UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                guard depth > 0 else { throw Failure("expected a value") }
                at += 1
            default:
                // A scalar (number, true, false, null): up to the next delimiter.
                let start = at
                while at < bytes.count {
                    switch bytes[at] {
                    case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: " "), UInt8(ascii: "\n"),
                        UInt8(ascii: "\r"), UInt8(ascii: "\t"), UInt8(ascii: ":"):
                        break
                    default:
                        at += 1
                        continue
                    }
                    break
                }
                guard at > start else { throw Failure("expected a value") }
            }
        } while depth > 0
    }

    /// The bytes of the next value, skipped (for parts decoded with `Codable`, which validates them).
    public mutating func rawValue() throws(Failure) -> [UInt8] {
        skipSpace()
        let start = at
        try skipValue()
        return Array(bytes[start..<at])
    }

    /// Any value as a `JSONValue` (integers only; see the type's note).
    public mutating func readJSONValue() throws(Failure) -> JSONValue {
        skipSpace()
        guard at < bytes.count else { throw Failure("expected a value") }
        switch bytes[at] {
        case UInt8(ascii: "{"):
            try beginObject()
            var object: [String: JSONValue] = [:]
            var first = true
            while let key = try nextKey(&first) { object[key] = try readJSONValue() }
            return .object(object)
        case UInt8(ascii: "["):
            try beginArray()
            var array: [JSONValue] = []
            var first = true
            while try nextElement(&first) { array.append(try readJSONValue()) }
            return .array(array)
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            return .bool(try readBool())
        case UInt8(ascii: "n"):
            guard readNull() else { throw Failure("expected null") }
            return .null
        default:
            return .int(try readInt64())
        }
    }

    // MARK: Helpers

    private mutating func skipSpace() {
        while at < bytes.count, Self.isSpace(bytes[at]) { at += 1 }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        skipSpace()
        guard at < bytes.count, bytes[at] == byte else {
            throw Failure("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        at += 1
    }

    private func matches(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard at + count <= bytes.count else { return false }
        return word.withUTF8Buffer { word in
            for index in 0..<count where bytes[at + index] != word[index] { return false }
            return true
        }
    }

    private mutating func readEscape(into out: inout [UInt8]) throws(Failure) {
        guard at < bytes.count else { throw Failure("unterminated escape") }
        let code = bytes[at]
        at += 1
        switch code {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(code)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try readHex4())
            if (0xD800..<0xDC00).contains(scalar) {
                guard at + 2 <= bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                    throw Failure("unpaired surrogate")
                }
                at += 2
                let low = UInt32(try readHex4())
                guard (0xDC00..<0xE000).contains(low) else { throw Failure("unpaired surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw Failure("invalid \\u escape") }
            out.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw Failure("invalid escape")
        }
    }

    private mutating func readHex4() throws(Failure) -> UInt16 {
        guard at + 4 <= bytes.count else { throw Failure("short \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[at]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Failure("invalid \\u escape")
            }
            value = value << 4 | UInt16(digit)
            at += 1
        }
        return value
    }

    private static func utf8(_ slice: ArraySlice<UInt8>) throws(Failure) -> String {
        guard let text = String(validating: slice, as: UTF8.self) else { throw Failure("invalid UTF-8") }
        return text
    }
}
