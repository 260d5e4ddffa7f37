import Glibc

/// The per-file result of the Ngenea tools: one line `STATE<TAB>PATH<TAB>MESSAGE` per input path.
enum Outcome {
    case processed(String)
    case skipped(String)
    case failed(String)
    case aborted(String)

    var state: String {
        switch self {
        case .processed: "processed"
        case .skipped: "skipped"
        case .failed: "failed"
        case .aborted: "aborted"
        }
    }

    var message: String {
        switch self {
        case .processed(let m), .skipped(let m), .failed(let m), .aborted(let m): m
        }
    }

    var isError: Bool {
        switch self {
        case .failed, .aborted: true
        case .processed, .skipped: false
        }
    }
}

enum Output {
    /// Escapes `\`, TAB and LF so that a field never breaks the line format: `\\`, `\t`, `\n`.
    static func escape(_ text: String) -> String {
        var needs = false
        for b in text.utf8 where b == 0x5C || b == 0x09 || b == 0x0A { needs = true; break }
        guard needs else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 8)
        for b in text.utf8 {
            switch b {
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The inverse of `escape` (used for snapshot manifests).
    static func unescape(_ text: Substring) -> String {
        guard text.utf8.contains(0x5C) else { return String(text) }
        var out: [UInt8] = []
        var pending = false
        for b in text.utf8 {
            if pending {
                switch b {
                case 0x74: out.append(0x09)
                case 0x6E: out.append(0x0A)
                default: out.append(b)
                }
                pending = false
            } else if b == 0x5C {
                pending = true
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes straight to fd 1 (no buffering), so each line is visible to the reader as soon as it is written.
    static func stdout(_ text: String) {
        var copy = text
        copy.withUTF8 { _ = Posix.writeAll(1, UnsafeRawBufferPointer($0)) }
    }

    static func stderr(_ text: String) {
        var copy = text
        copy.withUTF8 { _ = Posix.writeAll(2, UnsafeRawBufferPointer($0)) }
    }

    /// The contract line for one input path.
    static func fileLine(_ outcome: Outcome, path: String) {
        stdout("\(outcome.state)\t\(escape(path))\t\(escape(outcome.message))\n")
    }

    /// Left-aligned columns separated by two spaces, for the human tables of the GPFS tools.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map { $0.count }
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func render(_ cells: [String]) -> String {
            var line = ""
            for (i, cell) in cells.enumerated() {
                if i == cells.count - 1 { line += cell; break }
                line += cell + String(repeating: " ", count: max(0, widths[i] - cell.count) + 2)
            }
            return line
        }
        var out = render(header) + "\n"
        for row in rows { out += render(row) + "\n" }
        return out
    }
}
