import Foundation

@testable import Worker

/// Temporary folders with plugins in them, for the plugin suites.
struct PluginFixtures {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("plugin-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    var pluginsDir: String { root.appendingPathComponent("plugins").path }
    var directory: PluginDirectory { PluginDirectory(path: pluginsDir) }

    /// Writes `text` to `path` (under the root when relative), executable when asked.
    @discardableResult
    func write(_ path: String, _ text: String, executable: Bool = false) throws -> String {
        let full = path.hasPrefix("/") ? path : root.appendingPathComponent(path).path
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: full) }
        return full
    }

    /// A plugin folder `<parent>/<name>` with one shell program per task.
    @discardableResult
    func plugin(
        _ name: String, version: String = "1.0.0", tasks: [String: String], timeout: Int = 30,
        in parent: String? = nil
    ) throws -> String {
        let folder = (parent ?? pluginsDir) + "/" + name
        var specs: [String] = []
        for (index, (task, script)) in tasks.sorted(by: { $0.key < $1.key }).enumerated() {
            try write(folder + "/bin/task\(index)", script, executable: true)
            specs.append(#"{"name": "\#(task)", "exec": "bin/task\#(index)", "timeout": \#(timeout)}"#)
        }
        try write(
            folder + "/plugin.json",
            #"{"name": "\#(name)", "version": "\#(version)", "tasks": [\#(specs.joined(separator: ", "))]}"#)
        return folder
    }

    /// Whether a process is gone (or a zombie nobody reaped: it no longer runs).
    /// Whether `pid` is gone, allowing the kernel a moment to finish a kill it was already sent (a
    /// SIGKILLed process is not a zombie the instant kill(2) returns, least of all on a loaded machine).
    static func becomesGone(_ pid: Int32) async -> Bool {
        for _ in 0..<100 {
            if isGone(pid) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return isGone(pid)
    }

    static func isGone(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        guard let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// Pids written one per line.
    func pids(in path: String) -> [Int32] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(whereSeparator: \.isNewline).compactMap { Int32($0) }
    }
}
