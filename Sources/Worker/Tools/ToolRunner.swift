import Foundation
import Shared

/// The outcome of one per-file tool run over a batch: one outcome per input path, in input order.
struct ToolBatchResult: Sendable {
    var outcomes: [ToolFileOutcome]
    /// Notes for the task's logs: the tool's stderr, why files went unreported.
    var logs: [String] = []
}

/// What a listing or snapshot command returned.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String

    var text: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs the Ngenea and GPFS tools (docs/tasks.md, "Running the tools").
///
/// Exit codes (docs/sandbox.md): 0 and 1 mean the per-file lines are the truth. 2 (usage) and 3
/// (environment) mean nothing was done: the task fails with the tool's stderr. A tool that dies before
/// reporting every file (signal, timeout, output bound, any other status, missing lines) keeps the
/// outcomes it printed, and each unreported file fails with "<tool> exited before reporting this file":
/// the hub then neither loses a file that was done (it goes on to the next step) nor passes on one that
/// may not be (it fails and a re-run retries it; the tools are idempotent).
struct ToolRunner: Sendable {
    var settings: ToolSettings

    /// How much of stderr a failure reason or a log line quotes.
    static let stderrQuoteLimit = 2000
    /// Room for one stdout line per path (escaped path and message) before the output bound kills the tool.
    static let bytesPerLine = 16 << 10

    /// Runs `tool options... extra_arguments... --list0 FILE` over `paths`.
    /// - Throws: `TaskFailure` when the tool cannot run, exits 2 or 3, or breaks its output contract;
    ///   `CancellationError` when the task is cancelled (the tool is killed).
    func runBatch(tool: String, options: [String], paths: [String]) async throws -> ToolBatchResult {
        guard !paths.isEmpty else { return ToolBatchResult(outcomes: []) }
        let executable = try settings.executable(for: tool)
        let directory = settings.temporaryDirectory
        let list = try await OffPool.run("path-list") { try PathListFile.create(paths, in: directory) }
        defer { list.remove() }
        var limits = settings.limits
        limits.maxOutputBytes = max(limits.maxOutputBytes, paths.count * Self.bytesPerLine)
        let reporter = ProgressReporter.current
        let (exit, output): (ProcessExit, ToolOutput)
        do {
            (exit, output) = try await ChildProcess.run(
                executable: executable, arguments: settings.arguments(for: tool, options: options) + ["--list0", list.path],
                environment: settings.environment, input: [], timeout: settings.timeout, limits: limits,
                sink: { ToolOutputDecoder(expected: paths, onOutcome: reporter?.sink) })
        } catch let error as PluginSpawnError {
            throw TaskFailure("\(tool) (\(executable)) could not start: \(error.message)")
        }
        return try Self.interpret(tool: tool, exit: exit, output: output, paths: paths, timeout: settings.timeout)
    }

    /// Applies the exit-code rules to one run.
    static func interpret(
        tool: String, exit: ProcessExit, output: ToolOutput, paths: [String], timeout: Duration
    ) throws(TaskFailure) -> ToolBatchResult {
        let stderr = quote(exit.stderr, truncated: exit.stderrTruncated)
        if let error = output.error {
            throw TaskFailure("\(tool) broke its output contract at \(error)\(stderr.map { "; stderr: \($0)" } ?? "")")
        }
        if case .exited(let status)? = exit.termination, status == 2 || status == 3, !exit.timedOut, !exit.outputTooLarge {
            let meaning = status == 2 ? "usage error" : "environment or configuration error"
            throw TaskFailure("\(tool) exited with status \(status) (\(meaning); nothing was done)\(stderr.map { ": \($0)" } ?? "")")
        }
        var result = ToolBatchResult(outcomes: output.outcomes)
        if let stderr { result.logs.append("\(tool) stderr: \(stderr)") }
        let cleanExit = exit.termination == .exited(0) || exit.termination == .exited(1)
        if result.outcomes.count < paths.count || !cleanExit || exit.timedOut || exit.outputTooLarge {
            let reason = endReason(exit, timeout: timeout)
            let missing = paths.count - result.outcomes.count
            if missing > 0 {
                result.logs.append("\(tool) \(reason) before reporting \(missing) of \(paths.count) files; they are failed")
                let outcome = ToolFileOutcome(state: .failures, message: "\(tool) exited before reporting this file (\(reason))")
                result.outcomes += Array(repeating: outcome, count: missing)
            } else {
                result.logs.append("\(tool) \(reason) after reporting every file")
            }
        }
        return result
    }

    /// Runs a listing or snapshot command and returns whatever it printed and its status.
    /// - Throws: `TaskFailure` when it cannot start, is killed, or times out.
    func runCommand(tool: String, arguments: [String], maxOutputBytes: Int = 256 << 20) async throws -> CommandResult {
        let executable = try settings.executable(for: tool)
        var limits = settings.limits
        limits.maxOutputBytes = maxOutputBytes
        let (exit, output): (ProcessExit, [UInt8])
        do {
            (exit, output) = try await ChildProcess.run(
                executable: executable, arguments: settings.arguments(for: tool, options: arguments),
                environment: settings.environment, input: [], timeout: settings.timeout, limits: limits,
                sink: { ByteCollector() })
        } catch let error as PluginSpawnError {
            throw TaskFailure("\(tool) (\(executable)) could not start: \(error.message)")
        }
        guard case .exited(let status)? = exit.termination, !exit.timedOut, !exit.outputTooLarge else {
            let stderr = Self.quote(exit.stderr, truncated: exit.stderrTruncated)
            throw TaskFailure("\(tool) \(Self.endReason(exit, timeout: settings.timeout))\(stderr.map { ": \($0)" } ?? "")")
        }
        return CommandResult(status: status, stdout: output, stderr: exit.stderr)
    }

    /// "was killed by signal 9 (SIGKILL)", "timed out after 60 s", "exited with status 1"...
    static func endReason(_ exit: ProcessExit, timeout: Duration) -> String {
        if exit.timedOut { return "timed out after \(timeout.components.seconds) s and was killed" }
        if exit.outputTooLarge { return "wrote more output than expected and was killed" }
        switch exit.termination {
        case .exited(let status)?: return "exited with status \(status)"
        case .signalled(let signal)?:
            return "was killed by signal \(signal)\(PluginTask.signalName(signal).map { " (\($0))" } ?? "")"
        case nil: return "was killed and has not exited (stuck in the kernel?)"
        }
    }

    /// The end of stderr, trimmed and cut to `stderrQuoteLimit`; nil when empty.
    static func quote(_ stderr: String, truncated: Bool) -> String? {
        let text = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        let cut = truncated || text.count > stderrQuoteLimit
        return (cut ? "..." : "") + String(text.suffix(stderrQuoteLimit))
    }
}
