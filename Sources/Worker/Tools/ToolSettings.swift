import Foundation

/// How the worker runs the Ngenea and GPFS tools: the configured `commands` (tool name -> program) and
/// `extra_arguments` (tool name -> arguments put before the paths), the environment the tools get, and the
/// bounds of one run.
struct ToolSettings: Sendable {
    var commands: [String: String] = [:]
    var extraArguments: [String: [String]] = [:]
    /// The worker's own environment, passed through (PATH, NGSIM_SITE on a sandbox, proxies...).
    var environment: [String: String] = ProcessInfo.processInfo.environment
    /// One tool run may take this long before its process group is killed and its unreported files fail.
    /// Generous: a batch may move terabytes; a hung worker is caught by its lease anyway.
    var timeout: Duration = .seconds(24 * 3600)
    var limits = PluginLimits()
    /// Where the `--list0` path files are written.
    var temporaryDirectory: String = NSTemporaryDirectory()

    init(
        commands: [String: String] = [:], extraArguments: [String: [String]] = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.commands = commands
        self.extraArguments = extraArguments
        self.environment = environment
    }

    /// The program for `tool`: `commands[tool]` (a bare name there is also searched on PATH), else `tool`
    /// on the environment's PATH.
    /// - Throws: `TaskFailure` naming the tool and what was tried.
    func executable(for tool: String) throws(TaskFailure) -> String {
        let configured = commands[tool]
        let name = configured ?? tool
        if name.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: name) else {
                throw TaskFailure("command '\(tool)' is configured as \(name), which is not an executable file")
            }
            return name
        }
        let searchPath = environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = "\(directory)/\(name)"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        throw TaskFailure(
            "command '\(name)' not found on PATH (\(searchPath)); set its path under `commands` in the worker configuration")
    }

    /// The arguments for one run: the task's options, then the configured extra arguments.
    func arguments(for tool: String, options: [String]) -> [String] {
        options + (extraArguments[tool] ?? [])
    }
}
