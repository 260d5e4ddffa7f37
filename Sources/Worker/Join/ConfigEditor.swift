/// Sets keys of the `[settings]` section in INI text, keeping everything else as it is: other keys,
/// comments, blank lines, `[Queue ...]` sections, their order. A key that is present is replaced in
/// place (with any continuation lines of its old value); a new key goes after the section's last entry.
enum ConfigEditor {
    static func setting(_ values: [(key: String, value: String)], in text: String) -> String {
        var lines = text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // A final newline shows up as one empty last element; it is put back at the end.
        let endedWithNewline = lines.last == ""
        if endedWithNewline { lines.removeLast() }

        guard let header = lines.firstIndex(where: { isHeader($0, named: "settings") }) else {
            var section = ["[settings]"] + values.map { "\($0.key) = \($0.value)" }
            if !lines.isEmpty { section.append("") }
            return (section + lines).joined(separator: "\n") + "\n"
        }
        for (key, value) in values {
            let end = sectionEnd(lines, after: header)
            let replacement = "\(key) = \(value)"
            if let index = (header + 1..<end).first(where: { Self.key(of: lines[$0]) == key }) {
                lines[index] = replacement
                // Drop the old value's continuation lines (indented lines right after it).
                while index + 1 < lines.count, isContinuation(lines[index + 1]) { lines.remove(at: index + 1) }
            } else {
                var last = header
                for index in header + 1..<end where !lines[index].trimmingWhitespace().isEmpty { last = index }
                lines.insert(replacement, at: last + 1)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func isHeader(_ line: String, named name: String? = nil) -> Bool {
        guard let first = line.first, first != " ", first != "\t" else { return false }
        let trimmed = line.trimmingWhitespace()
        guard trimmed.hasPrefix("["), trimmed.hasSuffix("]") else { return false }
        guard let name else { return true }
        return String(trimmed.dropFirst().dropLast()).trimmingWhitespace() == name
    }

    /// The index just past the section that starts at `header`.
    private static func sectionEnd(_ lines: [String], after header: Int) -> Int {
        (header + 1..<lines.count).first { isHeader(lines[$0]) } ?? lines.count
    }

    private static func isContinuation(_ line: String) -> Bool {
        (line.first == " " || line.first == "\t") && !line.trimmingWhitespace().isEmpty
    }

    /// The key of a `key = value` / `key: value` line, lower-cased as the parser reads it; nil for
    /// comments, blank, indented and header lines.
    private static func key(of line: String) -> String? {
        guard let first = line.first, first != " ", first != "\t", first != "#", first != ";", first != "[" else { return nil }
        guard let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { return nil }
        return String(line[..<separator]).trimmingWhitespace().lowercased()
    }
}
