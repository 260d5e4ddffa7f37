/// PostgreSQL's text form of one-dimensional arrays: `{1,2,NULL}`, `{"a,b","say \"hi\"",NULL}`.
enum PostgresArrayLiteral {
    /// Builds a literal; nil elements become NULL. Elements are double-quoted whenever they are empty,
    /// contain a delimiter, brace, quote, backslash or white space, or spell NULL in any case, so the
    /// string "NULL" stays a string.
    static func format(_ elements: [String?]) -> String {
        // Built as bytes: appending scalar by scalar to a String was a sixth of the hub's CPU on busy jobs
        // (every task's input and every file path goes through here).
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(elements.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        var first = true
        for element in elements {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            guard var element else {
                out.append(contentsOf: "NULL".utf8)
                continue
            }
            // Over the contiguous UTF-8 bytes (iterating `String.UTF8View` was most of this function's cost).
            element.withUTF8 { utf8 in
                guard needsQuoting(utf8) else { return out.append(contentsOf: utf8) }
                out.append(UInt8(ascii: "\""))
                for byte in utf8 {
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                    out.append(byte)
                }
                out.append(UInt8(ascii: "\""))
            }
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    private static func needsQuoting(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        if utf8.isEmpty { return true }
        if utf8.count == 4, utf8.map({ $0 | 0x20 }) == Array("null".utf8) { return true }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: "\\"),
                UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), 0x0B, 0x0C:
                return true
            default: continue
            }
        }
        return false
    }

    enum ParseError: Error {
        case malformed(String)
        case multidimensional
    }

    /// Parses a one-dimensional array literal into its element texts (nil for NULL).
    static func parse(_ text: ArraySlice<UInt8>) throws(ParseError) -> [String?] {
        var index = text.startIndex
        let end = text.endIndex
        // Optional dimension decoration: [1:3]={...}
        if index < end, text[index] == UInt8(ascii: "[") {
            guard let equals = text[index...].firstIndex(of: UInt8(ascii: "=")) else {
                throw .malformed("dimension decoration without '='")
            }
            index = equals + 1
        }
        guard index < end, text[index] == UInt8(ascii: "{") else { throw .malformed("missing '{'") }
        index += 1
        var elements: [String?] = []
        if index < end, text[index] == UInt8(ascii: "}") {
            guard index + 1 == end else { throw .malformed("text after '}'") }
            return elements
        }
        var buffer: [UInt8] = []
        while true {
            guard index < end else { throw .malformed("unterminated array") }
            while index < end, isSpace(text[index]) { index += 1 }
            guard index < end else { throw .malformed("unterminated array") }
            buffer.removeAll(keepingCapacity: true)
            if text[index] == UInt8(ascii: "{") { throw .multidimensional }
            if text[index] == UInt8(ascii: "\"") {
                index += 1
                var closed = false
                while index < end {
                    let byte = text[index]
                    if byte == UInt8(ascii: "\\") {
                        index += 1
                        guard index < end else { break }
                        buffer.append(text[index])
                    } else if byte == UInt8(ascii: "\"") {
                        closed = true
                        index += 1
                        break
                    } else {
                        buffer.append(byte)
                    }
                    index += 1
                }
                guard closed else { throw .malformed("unterminated quoted element") }
                while index < end, isSpace(text[index]) { index += 1 }
                elements.append(String(decoding: buffer, as: UTF8.self))
            } else {
                var sawEscape = false
                while index < end, text[index] != UInt8(ascii: ","), text[index] != UInt8(ascii: "}") {
                    if text[index] == UInt8(ascii: "\\") {
                        index += 1
                        guard index < end else { throw .malformed("dangling backslash") }
                        sawEscape = true
                    }
                    buffer.append(text[index])
                    index += 1
                }
                while let last = buffer.last, isSpace(last) { buffer.removeLast() }
                let value = String(decoding: buffer, as: UTF8.self)
                if !sawEscape, value.count == 4, value.lowercased() == "null" {
                    elements.append(nil)
                } else {
                    elements.append(value)
                }
            }
            guard index < end else { throw .malformed("unterminated array") }
            if text[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard text[index] == UInt8(ascii: "}") else { throw .malformed("expected ',' or '}'") }
            guard index + 1 == end else { throw .malformed("text after '}'") }
            return elements
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
            || byte == 0x0B || byte == 0x0C
    }
}
