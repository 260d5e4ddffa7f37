/// Tokens of the GPFS policy language subset (docs/sandbox.md, "mmapplypolicy subset").
struct PolicyToken {
    enum Kind: Equatable {
        /// An identifier or keyword, upper-cased (the language is case-insensitive).
        case word(String)
        case string(String)
        case number(Double)
        /// Operators and punctuation: = <> != < <= > >= ( ) , ; + - * / ||
        case symbol(String)
        case end
    }

    let kind: Kind
    let line: Int

    var text: String {
        switch kind {
        case .word(let w): w
        case .string(let s): "'\(s)'"
        case .number(let n): n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .symbol(let s): s
        case .end: "end of file"
        }
    }
}

struct PolicyError: Error {
    let line: Int
    let message: String
    var text: String { "policy line \(line): \(message)" }
}

enum PolicyLexer {
    static func tokenize(_ source: String) throws(PolicyError) -> [PolicyToken] {
        let chars = Array(source.unicodeScalars)
        var tokens: [PolicyToken] = []
        var i = 0
        var line = 1
        func peek(_ offset: Int = 0) -> Unicode.Scalar? { i + offset < chars.count ? chars[i + offset] : nil }
        while i < chars.count {
            let c = chars[i]
            if c == "\n" { line += 1; i += 1; continue }
            if c == " " || c == "\t" || c == "\r" { i += 1; continue }
            if c == "/" && peek(1) == "*" {
                let start = line
                i += 2
                while i < chars.count && !(chars[i] == "*" && peek(1) == "/") {
                    if chars[i] == "\n" { line += 1 }
                    i += 1
                }
                guard i < chars.count else { throw PolicyError(line: start, message: "unterminated /* comment") }
                i += 2
                continue
            }
            if c == "-" && peek(1) == "-" {
                while i < chars.count && chars[i] != "\n" { i += 1 }
                continue
            }
            if c == "'" || c == "\"" {
                let quote = c
                let start = line
                var text = String.UnicodeScalarView()
                i += 1
                while true {
                    guard i < chars.count else { throw PolicyError(line: start, message: "unterminated string") }
                    if chars[i] == quote {
                        if peek(1) == quote { text.append(quote); i += 2; continue }  // '' is a quote
                        i += 1
                        break
                    }
                    if chars[i] == "\n" { line += 1 }
                    text.append(chars[i])
                    i += 1
                }
                tokens.append(PolicyToken(kind: .string(String(text)), line: start))
                continue
            }
            if (c.value >= 0x30 && c.value <= 0x39) || (c == "." && (peek(1).map { $0.value >= 0x30 && $0.value <= 0x39 } ?? false)) {
                var text = ""
                while let d = peek(), (d.value >= 0x30 && d.value <= 0x39) || d == "." { text.unicodeScalars.append(d); i += 1 }
                guard let n = Double(text) else { throw PolicyError(line: line, message: "bad number '\(text)'") }
                tokens.append(PolicyToken(kind: .number(n), line: line))
                continue
            }
            if isWordStart(c) {
                var text = ""
                while let d = peek(), isWordStart(d) || (d.value >= 0x30 && d.value <= 0x39) { text.unicodeScalars.append(d); i += 1 }
                tokens.append(PolicyToken(kind: .word(text.uppercased()), line: line))
                continue
            }
            let two = peek(1).map { String(c) + String($0) } ?? ""
            if ["<>", "!=", "<=", ">=", "||"].contains(two) {
                tokens.append(PolicyToken(kind: .symbol(two == "!=" ? "<>" : two), line: line))
                i += 2
                continue
            }
            if "=<>(),;+-*/".unicodeScalars.contains(c) {
                tokens.append(PolicyToken(kind: .symbol(String(c)), line: line))
                i += 1
                continue
            }
            throw PolicyError(line: line, message: "unexpected character '\(c)'")
        }
        tokens.append(PolicyToken(kind: .end, line: line))
        return tokens
    }

    private static func isWordStart(_ c: Unicode.Scalar) -> Bool {
        (c.value >= 0x41 && c.value <= 0x5A) || (c.value >= 0x61 && c.value <= 0x7A) || c == "_" || c == "$"
    }
}
