import Foundation
import Shared

@testable import Worker

/// A throwaway ngsim site for the task suites: the real `ngsim` binary, its tool links in a private bin
/// directory, and the worker's `ToolSettings` pointing at them with `NGSIM_SITE` set.
struct ToolSandbox {
    let root: String
    let site: String
    let mount: String
    let bin: String
    let target: String
    var extraEnvironment: [String: String] = [:]

    static let toolNames = [
        "ngmigrate", "ngrecall", "ngunmanage", "mmlsfs", "mmlsfileset", "mmlspool", "mmdf", "mmcrsnapshot",
        "mmdelsnapshot", "mmlssnapshot", "mmapplypolicy", "mmlscluster",
    ]

    /// The ngsim binary: `$NGENEA_BIN_DIR/ngsim`, else next to the test bundle (or in a `debug`
    /// directory above it), as Tests/SandboxTests/Harness.swift finds it.
    static let binary: String? = {
        var dirs: [URL] = []
        if let env = ProcessInfo.processInfo.environment["NGENEA_BIN_DIR"], !env.isEmpty {
            dirs.append(URL(fileURLWithPath: env))
        }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().standardizedFileURL
        for _ in 0..<6 {
            dirs.append(dir)
            dirs.append(dir.appendingPathComponent("debug"))
            dir = dir.deletingLastPathComponent()
        }
        for directory in dirs {
            let candidate = directory.appendingPathComponent("ngsim").path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        return nil
    }()

    /// `ngsim init ROOT/<name> --site <name>` with a target directory (shared when `sharedTarget` is given)
    /// and filesets, plus `ngsim install-links ROOT/bin`.
    init(name: String = "s1", root: String? = nil, sharedTarget: String? = nil, filesets: [String] = []) async throws {
        let base = root ?? FileManager.default.temporaryDirectory.appendingPathComponent("tool-tests-\(UUID().uuidString)").path
        self.root = base
        site = base + "/" + name
        mount = site + "/mmfs1"
        bin = base + "/bin-" + name
        target = sharedTarget ?? base + "/cloud"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try await Self.ngsim(["init", site, "--site", name, "--target", "cloud=\(target)"] + filesets.flatMap { ["--fileset", $0] })
        try await Self.ngsim(["install-links", bin])
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NGSIM_") }
        environment["NGSIM_SITE"] = site
        return environment.merging(extraEnvironment) { $1 }
    }

    var settings: ToolSettings {
        var commands: [String: String] = [:]
        for tool in Self.toolNames { commands[tool] = bin + "/" + tool }
        commands["ngsim"] = Self.binary
        return ToolSettings(commands: commands, environment: environment)
    }

    var table: TaskTable { TaskTable.builtIn(tools: settings) }

    /// Runs a task of the built-in table.
    func run(
        _ task: String, paths: [PathItem], kwargs: [String: JSONValue] = [:], function: QueueName.Function = .worker,
        taskID: String = "t-1", jobID: Int = 1
    ) async throws -> TaskOutcome {
        guard let implementation = table.task(named: task) else { throw SandboxError("no task \(task)") }
        let envelope = TaskEnvelope(
            taskID: taskID, jobID: jobID, task: task, queue: try QueueName(site: "s1", queue: "default", function: function),
            kwargs: kwargs, paths: paths)
        return try await implementation.run(envelope, started: Date())
    }

    func run(_ task: String, _ paths: [String], kwargs: [String: JSONValue] = [:]) async throws -> TaskOutcome {
        try await run(task, paths: paths.map { PathItem(path: $0) }, kwargs: kwargs)
    }

    /// Writes a file under the mount (parents created) and returns its absolute path.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let path = mount + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// `ngsim state PATH` -> resident, premigrated, migrated...
    func state(_ path: String) async throws -> String {
        let output = try await Self.ngsim(["state", path], environment: environment, allowFailure: true)
        return String(output.split(separator: "\t").first ?? "")
    }

    /// The state of each of `paths`, in order.
    func states(_ paths: [String]) async throws -> [String] {
        var states: [String] = []
        for path in paths { states.append(try await state(path)) }
        return states
    }

    /// `ngsim sha256 PATH` -> the hex digest.
    func sha256(_ path: String) async throws -> String {
        String(try await Self.ngsim(["sha256", path], environment: environment).split(separator: " ").first ?? "")
    }

    /// Runs ngsim to completion and returns its stdout. The waiting is done on a thread of its own: a
    /// blocking wait on one of the cooperative pool's threads (as many as cores) stalls every other suite.
    @discardableResult
    static func ngsim(_ arguments: [String], environment: [String: String]? = nil, allowFailure: Bool = false) async throws -> String {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
            Thread { continuation.resume(with: Result { try runNgsim(arguments, environment: environment, allowFailure: allowFailure) }) }.start()
        }
    }

    private static func runNgsim(_ arguments: [String], environment: [String: String]?, allowFailure: Bool) throws -> String {
        guard let binary else { throw SandboxError("ngsim not found: build it or set NGENEA_BIN_DIR") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = environment ?? ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NGSIM_") }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard allowFailure || process.terminationStatus == 0 else {
            let stderr = String(decoding: errors, as: UTF8.self)
            throw SandboxError("ngsim \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(stderr)")
        }
        return String(decoding: output, as: UTF8.self)
    }
}

struct SandboxError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension TaskOutcome {
    /// The paths recorded in `state`.
    func paths(_ state: FileState) -> [String] { status.files(in: state).map(\.path) }

    /// The message of `path` in whichever state it is.
    func message(_ path: String) -> String? {
        for state in FileState.allCases {
            if let detail = status.files(in: state).first(where: { $0.path == path }) {
                return detail.message?.joined(separator: "; ")
            }
        }
        return nil
    }
}
