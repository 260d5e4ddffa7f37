/// An INI file as the worker's config is written (manual L7269-7346): `[section]` headers, `key = value`
/// (or `key: value`) lines, `#` and `;` comments, and indented continuation lines that extend the previous
/// value (so inline JSON may span lines). Keys are case-insensitive, as in Python's configparser.
struct INIFile: Sendable {
    /// A value with the line it came from, so errors can point at it.
    struct Entry: Sendable, Equatable {
        var value: String
        var line: Int
    }

    /// A section with its entries in file order.
    struct Section: Sendable {
        var name: String
        var line: Int
        var entries: [String: Entry] = [:]
        var order: [String] = []
    }

    var path: String
    var sections: [Section] = []

    /// Parses INI text. `path` is only used in error messages.
    /// - Throws: `ConfigError` naming the file and line of the first malformed line.
    init(text: String, path: String) throws(ConfigError) {
        self.path = path
        var lastKey: String?
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine[...]
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") {
                if trimmed.isEmpty { lastKey = nil }
                continue
            }
            if line.first == " " || line.first == "\t", let key = lastKey, !sections.isEmpty {
                // Continuation of the previous value.
                let last = sections.count - 1
                sections[last].entries[key]?.value += "\n" + trimmed
                continue
            }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]"), trimmed.count > 2 else {
                    throw ConfigError(path: path, line: lineNumber, key: nil, message: "malformed section header '\(trimmed)'")
                }
                let name = String(trimmed.dropFirst().dropLast()).trimmingWhitespace()
                if sections.contains(where: { $0.name == name }) {
                    throw ConfigError(path: path, line: lineNumber, key: nil, message: "section [\(name)] appears twice")
                }
                sections.append(Section(name: name, line: lineNumber))
                lastKey = nil
                continue
            }
            guard let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw ConfigError(path: path, line: lineNumber, key: nil, message: "expected 'key = value', found '\(trimmed)'")
            }
            let key = String(trimmed[..<separator]).trimmingWhitespace().lowercased()
            let value = String(trimmed[trimmed.index(after: separator)...]).trimmingWhitespace()
            guard !key.isEmpty else {
                throw ConfigError(path: path, line: lineNumber, key: nil, message: "missing key before '='")
            }
            guard !sections.isEmpty else {
                throw ConfigError(path: path, line: lineNumber, key: key, message: "'\(key)' appears before any [section]")
            }
            let last = sections.count - 1
            if sections[last].entries[key] != nil {
                throw ConfigError(path: path, line: lineNumber, key: key, message: "'\(key)' is set twice in [\(sections[last].name)]")
            }
            sections[last].entries[key] = Entry(value: value, line: lineNumber)
            sections[last].order.append(key)
            lastKey = key
        }
    }

    /// The section called `name` (exact match), if present.
    func section(_ name: String) -> Section? { sections.first { $0.name == name } }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}

/// A configuration problem, naming the file, line and key so an administrator can fix it at once.
struct ConfigError: Error, Equatable, CustomStringConvertible {
    var path: String
    var line: Int?
    var key: String?
    var message: String

    var description: String {
        var location = path
        if let line { location += ":\(line)" }
        if let key { return "\(location): \(key): \(message)" }
        return "\(location): \(message)"
    }
}
