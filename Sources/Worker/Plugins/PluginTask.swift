import Foundation
import Logging
import Shared

/// A `dynamo.custom.*` task run by an installed plugin's program (docs/plugins.md).
struct PluginTask: WorkerTask {
    let plugin: PluginBundle
    let spec: PluginManifest.TaskSpec
    var limits = PluginLimits()
    let logger: Logger

    /// How much of stderr a failure reason quotes (the worker log has more).
    static let reasonStderrLimit = 2000

    /// The tasks of `plugins`, by name.
    static func tasks(of plugins: [PluginBundle], logger: Logger) -> [String: any WorkerTask] {
        var tasks: [String: any WorkerTask] = [:]
        for plugin in plugins {
            for spec in plugin.manifest.tasks {
                tasks[spec.name] = PluginTask(plugin: plugin, spec: spec, logger: logger)
            }
        }
        return tasks
    }

    var label: String { "plugin \(plugin.name) (\(spec.name))" }

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        // Plugin tasks are routed to a queue's custom function only (manual L9315, spec/02 14.3), which an
        // administrator can turn off per queue; running them elsewhere would bypass that switch.
        guard envelope.queue.function == .custom else {
            throw TaskFailure(
                "\(spec.name) is a plugin task and runs only on a queue's custom function "
                    + "(\(envelope.queue.with(function: .custom))), not on \(envelope.queue)")
        }
        let input = PluginInput(envelope: envelope)
        let result: PluginRunResult
        do {
            result = try await PluginProcess.run(
                executable: plugin.executable(of: spec), environment: input.environment(pluginFolder: plugin.folder),
                input: try input.bytes(), timeout: .seconds(spec.timeout), limits: limits)
        } catch let error as PluginSpawnError {
            throw TaskFailure("\(label) could not start: \(error.message)")
        }
        if let reason = failureReason(result) {
            logger.warning("task \(envelope.taskID): \(reason)")
            if !result.stderr.isEmpty {
                logger.debug("task \(envelope.taskID): \(plugin.name) stderr:\n\(result.stderr)")
            }
            throw TaskFailure(reason)
        }
        var status = TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started)
        for report in result.output.reports {
            status.add(report.state, report.detail)
        }
        var logs = result.output.logs
        let stderr = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        if !stderr.isEmpty { logs.append("\(plugin.name) stderr: \(stderr)") }
        return TaskOutcome(status: status, logs: logs, subdags: result.output.subdags)
    }

    /// Why the run fails the task, or nil when it succeeded: exit status 0 and a clean stdout.
    func failureReason(_ result: PluginRunResult) -> String? {
        var reason: String
        if result.timedOut {
            reason = "\(label) timed out after \(spec.timeout) s and was killed"
        } else if result.outputTooLarge {
            reason = "\(label) wrote more than \(limits.maxOutputBytes >> 20) MiB to stdout and was killed"
        } else {
            switch result.termination {
            case .exited(0)?:
                guard let error = result.output.error else { return nil }
                reason = "\(label) broke the output protocol (only JSON lines {\"add\": ...}, {\"log\": ...} or {\"subdag\": ...}) at \(error)"
            case .exited(let status)?:
                reason = "\(label) exited with status \(status)"
            case .signalled(let signal)?:
                reason = "\(label) was killed by signal \(signal)\(Self.signalName(signal).map { " (\($0))" } ?? "")"
            case nil:
                reason = "\(label) was killed"
            }
        }
        if result.termination == nil {
            reason += " but has not exited (stuck in the kernel?)"
        }
        if let error = result.output.error, result.termination != .exited(0) {
            reason += "; its output was also invalid at \(error)"
        }
        let stderr = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        if !stderr.isEmpty {
            let cut = stderr.count > Self.reasonStderrLimit || result.stderrTruncated
            reason += ": " + (cut ? "..." : "") + String(stderr.suffix(Self.reasonStderrLimit))
        }
        return reason
    }

    static func signalName(_ signal: Int32) -> String? {
        switch signal {
        case SIGHUP: "SIGHUP"
        case SIGINT: "SIGINT"
        case SIGQUIT: "SIGQUIT"
        case SIGILL: "SIGILL"
        case SIGABRT: "SIGABRT"
        case SIGBUS: "SIGBUS"
        case SIGFPE: "SIGFPE"
        case SIGKILL: "SIGKILL"
        case SIGSEGV: "SIGSEGV"
        case SIGPIPE: "SIGPIPE"
        case SIGTERM: "SIGTERM"
        default: nil
        }
    }
}
