import Foundation
import Shared

/// What a plugin program receives: the task envelope as one JSON object (plus a newline) on stdin, with the
/// site and the parsed queue name added (spec/02 14.3), and the same facts in the environment for simple
/// shell plugins.
struct PluginInput: Encodable {
    var envelope: TaskEnvelope

    enum CodingKeys: String, CodingKey {
        case site
        case parsedQueue = "parsed_queue"
    }

    func encode(to encoder: any Encoder) throws {
        // The envelope's own keys (`jobid`, `paths`, `kwargs`, `task_id`, `queue`, ...) at the top level.
        try envelope.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(envelope.queue.site, forKey: .site)
        try container.encode(
            [
                "site": envelope.queue.site, "queue": envelope.queue.queue,
                "function": envelope.queue.function.rawValue,
            ], forKey: .parsedQueue)
    }

    /// The bytes written to stdin.
    func bytes() throws -> [UInt8] {
        try WireCoding.encode(self) + [UInt8(ascii: "\n")]
    }

    /// The worker's environment plus `NGENEA_*` facts about the task.
    func environment(pluginFolder: String, base: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var environment = base
        // systemd's notification socket is the worker's: a plugin must not report readiness for it.
        environment["NOTIFY_SOCKET"] = nil
        environment["NGENEA_JOBID"] = String(envelope.jobID)
        environment["NGENEA_TASK_ID"] = envelope.taskID
        environment["NGENEA_TASK_NAME"] = envelope.task
        environment["NGENEA_QUEUE"] = envelope.queue.description
        environment["NGENEA_SITE"] = envelope.queue.site
        environment["NGENEA_PLUGIN_DIR"] = pluginFolder
        return environment
    }
}
