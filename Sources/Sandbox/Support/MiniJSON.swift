/// Just enough JSON for the object metadata sidecars: flat objects of strings, integers and booleans.
enum JSON {
    enum Scalar: Equatable {
        case string(String)
        case int(Int64)
        case bool(Bool)
        case null

        var string: String? { if case .string(let s) = self { s } else { nil } }
        var int: Int64? { if case .int(let n) = self { n } else { nil } }
    }

    static func quote(_ text: String) -> String {
        var out: [UInt8] = [0x22]
        let hex = Array("0123456789abcdef".utf8)
        for b in text.utf8 {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case 0..<0x20, 0x7F: out += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }

    /// One object per line in key order given, e.g. `{"a":1,"b":"x"}`.
    static func object(_ pairs: [(String, Scalar)]) -> String {
        var parts: [String] = []
        for (key, value) in pairs {
            let rendered: String
            switch value {
            case .string(let s): rendered = quote(s)
            case .int(let n): rendered = String(n)
            case .bool(let b): rendered = b ? "true" : "false"
            case .null: rendered = "null"
            }
            parts.append(quote(key) + ":" + rendered)
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    struct ParseError: Error { let message: String }

    static func parseFlatObject(_ text: String) throws(ParseError) -> [String: Scalar] {
        var parser = Parser(bytes: Array(text.utf8))
        return try parser.object()
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        func error(_ what: String) -> ParseError { ParseError(message: "\(what) at byte \(i)") }

        mutating func expect(_ b: UInt8) throws(ParseError) {
            skipSpace()
            guard i < bytes.count, bytes[i] == b else { throw error("expected '\(Character(Unicode.Scalar(b)))'") }
            i += 1
        }

        mutating func object() throws(ParseError) -> [String: Scalar] {
            try expect(0x7B)
            var result: [String: Scalar] = [:]
            skipSpace()
            if i < bytes.count, bytes[i] == 0x7D { i += 1; return result }
            while true {
                skipSpace()
                let key = try string()
                try expect(0x3A)
                skipSpace()
                result[key] = try value()
                skipSpace()
                guard i < bytes.count else { throw error("unterminated object") }
                if bytes[i] == 0x2C { i += 1; continue }
                if bytes[i] == 0x7D { i += 1; break }
                throw error("expected ',' or '}'")
            }
            skipSpace()
            guard i == bytes.count else { throw error("trailing data") }
            return result
        }

        mutating func value() throws(ParseError) -> Scalar {
            guard i < bytes.count else { throw error("missing value") }
            switch bytes[i] {
            case 0x22: return .string(try string())
            case 0x74: try literal("true"); return .bool(true)
            case 0x66: try literal("false"); return .bool(false)
            case 0x6E: try literal("null"); return .null
            default:
                let start = i
                if bytes[i] == 0x2D { i += 1 }
                while i < bytes.count, bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
                guard let n = Int64(String(decoding: bytes[start..<i], as: UTF8.self)) else { throw error("expected an integer") }
                return .int(n)
            }
        }

        mutating func literal(_ word: String) throws(ParseError) {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { throw error("expected \(word)") }
            i += w.count
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else {
                throw error("bad \\u escape")
            }
            i += 4
            return v
        }

        mutating func string() throws(ParseError) -> String {
            guard i < bytes.count, bytes[i] == 0x22 else { throw error("expected a string") }
            i += 1
            var out: [UInt8] = []
            while true {
                guard i < bytes.count else { throw error("unterminated string") }
                let b = bytes[i]
                i += 1
                if b == 0x22 { break }
                if b != 0x5C { out.append(b); continue }
                guard i < bytes.count else { throw error("unterminated escape") }
                let e = bytes[i]
                i += 1
                switch e {
                case 0x22, 0x5C, 0x2F: out.append(e)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x75:
                    var code = try hex4()
                    if code >= 0xD800 && code < 0xDC00, i + 6 <= bytes.count, bytes[i] == 0x5C, bytes[i + 1] == 0x75 {
                        i += 2
                        let low = try hex4()
                        guard low >= 0xDC00 && low < 0xE000 else { throw error("bad surrogate pair") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw error("bad escape")
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
