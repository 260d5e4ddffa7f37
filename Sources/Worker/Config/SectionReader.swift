import Foundation

/// Typed access to one INI section's values, with errors that name the file, line and key.
struct SectionReader {
    var section: INIFile.Section
    var path: String

    /// A function key's value: `false` disables the function, `{"threads": N}` sets its concurrency.
    enum FunctionSetting: Equatable {
        case disabled
        case threads(Int)
    }

    func error(_ key: String, _ message: String) -> ConfigError {
        ConfigError(path: path, line: section.entries[key]?.line ?? section.line, key: key, message: message)
    }

    func optionalString(_ key: String) throws(ConfigError) -> String? {
        guard let raw = section.entries[key]?.value else { return nil }
        let value = Self.unquote(raw)
        return value.isEmpty ? nil : value
    }

    func string(_ key: String, default fallback: String) throws(ConfigError) -> String {
        try optionalString(key) ?? fallback
    }

    func requiredString(_ key: String) throws(ConfigError) -> String {
        guard let value = try optionalString(key) else {
            throw ConfigError(path: path, line: section.line, key: key, message: "required setting is missing")
        }
        return value
    }

    func int(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let text = try optionalString(key) else { return fallback }
        guard let value = Int(text) else { throw error(key, "'\(text)' is not a whole number") }
        guard range.contains(value) else {
            throw error(key, "\(value) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func bool(_ key: String, default fallback: Bool) throws(ConfigError) -> Bool {
        guard let text = try optionalString(key) else { return fallback }
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw error(key, "'\(text)' is not true or false")
        }
    }

    /// A list written as inline JSON (`["a", "b"]`) or comma-separated.
    func stringList(_ key: String) throws(ConfigError) -> [String] {
        guard let text = try optionalString(key) else { return [] }
        if text.hasPrefix("[") {
            guard let list = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
                throw error(key, "'\(text)' is not a JSON list of strings")
            }
            return list
        }
        return text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    /// A JSON object of strings, e.g. `commands = {"ngmigrate": "/opt/ngenea/bin/ngmigrate"}`.
    func stringMap(_ key: String) throws(ConfigError) -> [String: String] {
        guard let text = try optionalString(key) else { return [:] }
        guard let map = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)) else {
            throw error(key, "'\(text)' is not a JSON object of strings")
        }
        return map
    }

    /// A JSON object of string lists, e.g. `extra_arguments = {"ngmigrate": ["-v"]}`.
    func stringListMap(_ key: String) throws(ConfigError) -> [String: [String]] {
        guard let text = try optionalString(key) else { return [:] }
        guard let map = try? JSONDecoder().decode([String: [String]].self, from: Data(text.utf8)) else {
            throw error(key, "'\(text)' is not a JSON object of string lists")
        }
        return map
    }

    /// `false`, `true` (enabled with inherited threads) or `{"threads": N}`; nil when absent.
    func functionSetting(_ key: String) throws(ConfigError) -> FunctionSetting? {
        guard let text = try optionalString(key) else { return nil }
        switch text.lowercased() {
        case "false", "no", "off": return .disabled
        case "true", "yes", "on": return nil
        default: break
        }
        struct Threads: Decodable { var threads: Int? }
        guard let parsed = try? JSONDecoder().decode(Threads.self, from: Data(text.utf8)) else {
            throw error(key, "'\(text)' must be false or a JSON object like {\"threads\": 4}")
        }
        guard let threads = parsed.threads else { return nil }
        guard (1...1024).contains(threads) else { throw error(key, "threads \(threads) is out of range 1...1024") }
        return .threads(threads)
    }

    /// Strips one pair of matching surrounding quotes.
    static func unquote(_ text: String) -> String {
        guard text.count >= 2, let first = text.first, first == text.last, first == "\"" || first == "'" else {
            return text
        }
        return String(text.dropFirst().dropLast())
    }
}
