import Foundation
import Shared

/// A plugin's `plugin.json`: its name and version and the `dynamo.custom.*` tasks it provides, each run by a
/// program (docs/plugins.md). Parsed strictly: unknown keys and wrong types are errors, so a typo such as
/// `"timout"` is caught at install time instead of silently running with a default.
struct PluginManifest: Sendable, Equatable {
    /// One task the plugin provides.
    struct TaskSpec: Sendable, Equatable {
        /// `dynamo.custom.<name>`: the name workflows use (manual L8940).
        var name: String
        /// The program as written: relative to the plugin folder, or absolute.
        var exec: String
        /// Seconds before the program's whole process group is killed.
        var timeout: Int
    }

    var name: String
    var version: String
    var description: String?
    var tasks: [TaskSpec]

    static let fileName = "plugin.json"
    static let taskPrefix = "dynamo.custom."
    static let defaultTimeout = 600
    static let timeoutRange = 1...86_400

    /// Parses manifest text. `path` names the file in errors; `folder` resolves relative `exec` paths,
    /// which must name executable files.
    /// - Throws: `PluginError` naming the file and the field.
    static func parse(_ data: Data, path: String, folder: String) throws(PluginError) -> PluginManifest {
        func fail(_ field: String?, _ message: String) -> PluginError {
            PluginError(path: path, field: field, message: message)
        }
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw fail(nil, "not valid JSON")
        }
        guard case .object(let object) = root else { throw fail(nil, "must be a JSON object") }
        try rejectUnknownKeys(object, allowed: ["name", "version", "description", "tasks"], prefix: "", path: path)

        let name = try requiredString(object, "name", field: "name", path: path)
        do { try validate(pluginName: name) } catch { throw fail("name", error.message) }
        let version = try requiredString(object, "version", field: "version", path: path)
        guard !version.isEmpty, version.count <= 64, !version.contains(where: \.isWhitespace) else {
            throw fail("version", "'\(version)' must be 1-64 characters without spaces")
        }
        var description: String?
        if let value = object["description"], value != .null {
            guard let text = value.stringValue else { throw fail("description", "must be a string") }
            description = text
        }
        guard let tasksValue = object["tasks"] else { throw fail("tasks", "required list of tasks is missing") }
        guard case .array(let taskValues) = tasksValue else { throw fail("tasks", "must be a list of tasks") }
        guard !taskValues.isEmpty else { throw fail("tasks", "must name at least one task") }

        var tasks: [TaskSpec] = []
        for (index, value) in taskValues.enumerated() {
            let field = "tasks[\(index)]"
            guard case .object(let task) = value else { throw fail(field, "must be an object") }
            try rejectUnknownKeys(task, allowed: ["name", "exec", "timeout"], prefix: field + ".", path: path)
            let taskName = try requiredString(task, "name", field: field + ".name", path: path)
            do { try validate(taskName: taskName) } catch { throw fail(field + ".name", error.message) }
            if tasks.contains(where: { $0.name == taskName }) {
                throw fail(field + ".name", "'\(taskName)' is listed twice")
            }
            let exec = try requiredString(task, "exec", field: field + ".exec", path: path)
            do { try checkExecutable(resolve(exec: exec, folder: folder)) } catch {
                throw fail(field + ".exec", error.message)
            }
            var timeout = defaultTimeout
            if let value = task["timeout"] {
                guard let seconds = value.wholeNumber, timeoutRange.contains(seconds) else {
                    throw fail(
                        field + ".timeout",
                        "must be a whole number of seconds in \(timeoutRange.lowerBound)...\(timeoutRange.upperBound)")
                }
                timeout = seconds
            }
            tasks.append(TaskSpec(name: taskName, exec: exec, timeout: timeout))
        }
        return PluginManifest(name: name, version: version, description: description, tasks: tasks)
    }

    /// A plugin name is also its folder name: letters, digits, `_` and `-`, starting with a letter or digit
    /// (so it can never be `..`, a hidden folder or a path).
    static func validate(pluginName name: String) throws(PluginNameError) {
        guard (1...64).contains(name.utf8.count) else { throw PluginNameError("'\(name)' must be 1-64 characters") }
        guard name.utf8.allSatisfy({ isNameByte($0) }), let first = name.utf8.first, first != UInt8(ascii: "-"),
            first != UInt8(ascii: "_")
        else {
            throw PluginNameError("'\(name)' may contain only letters, digits, '_' and '-', starting with a letter or digit")
        }
    }

    /// `dynamo.custom.<suffix>`, the suffix made of letters, digits, `_`, `-` and `.`.
    static func validate(taskName name: String) throws(PluginNameError) {
        guard name.hasPrefix(taskPrefix) else {
            throw PluginNameError("'\(name)' must start with '\(taskPrefix)' (plugin tasks live in that namespace)")
        }
        let suffix = name.utf8.dropFirst(taskPrefix.utf8.count)
        guard !suffix.isEmpty, suffix.count <= 128, suffix.allSatisfy({ isNameByte($0) || $0 == UInt8(ascii: ".") }) else {
            throw PluginNameError("'\(name)' must continue after '\(taskPrefix)' with letters, digits, '_', '-' or '.'")
        }
    }

    /// The absolute path of a task's program.
    static func resolve(exec: String, folder: String) -> String {
        exec.hasPrefix("/") ? exec : URL(fileURLWithPath: folder).appendingPathComponent(exec).standardizedFileURL.path
    }

    /// The program must be a regular file (after symlinks) that may be executed.
    static func checkExecutable(_ path: String) throws(PluginNameError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw PluginNameError("\(path) does not exist") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw PluginNameError("\(path) is not a regular file") }
        guard access(path, X_OK) == 0, info.st_mode & 0o111 != 0 else {
            throw PluginNameError("\(path) is not executable (chmod +x it)")
        }
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    private static func requiredString(
        _ object: [String: JSONValue], _ key: String, field: String, path: String
    ) throws(PluginError) -> String {
        guard let value = object[key], value != .null else {
            throw PluginError(path: path, field: field, message: "required string is missing")
        }
        guard let text = value.stringValue, !text.isEmpty else {
            throw PluginError(path: path, field: field, message: "must be a non-empty string")
        }
        return text
    }

    private static func rejectUnknownKeys(
        _ object: [String: JSONValue], allowed: Set<String>, prefix: String, path: String
    ) throws(PluginError) {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw PluginError(
                path: path, field: prefix + unknown,
                message: "unknown key (expected \(allowed.sorted().joined(separator: ", ")))")
        }
    }
}

/// A problem with a plugin: its file (or folder), the manifest field when there is one, and what is wrong.
struct PluginError: Error, Equatable, Sendable, CustomStringConvertible {
    var path: String
    var field: String?
    var message: String

    var description: String {
        if let field { return "\(path): \(field): \(message)" }
        return "\(path): \(message)"
    }
}

/// A bad plugin or task name, or program; wrapped into a `PluginError` by the caller, who knows the field.
struct PluginNameError: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}

extension JSONValue {
    /// A whole number written as an integer (or a double with no fraction), but not as a string.
    fileprivate var wholeNumber: Int? {
        switch self {
        case .int(let value): return Int(exactly: value)
        case .double(let value): return Int(exactly: value)
        default: return nil
        }
    }
}
