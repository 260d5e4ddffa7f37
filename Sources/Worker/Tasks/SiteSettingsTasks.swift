import Foundation
import Shared

/// Where the settings tasks keep the site's settings and what applies them (docs/tasks.md, "Site settings").
struct SiteSettingsOptions: Sendable {
    var file: String
    /// argv run after a write (`settings_apply_command`); nil: the settings are only stored.
    var applyCommand: [String]?
    /// The key of this node in `apply_output`.
    var nodeName: String

    init(
        file: String = SiteSettingsStore.defaultPath, applyCommand: [String]? = nil,
        nodeName: String = ProcessInfo.processInfo.environment["NGENEA_NODE_NAME"] ?? WorkerConfiguration.hostName()
    ) {
        self.file = file
        self.applyCommand = applyCommand
        self.nodeName = nodeName
    }

    init(_ configuration: WorkerConfiguration) {
        self.init(
            file: configuration.siteSettingsFile, applyCommand: configuration.settingsApplyCommand,
            nodeName: configuration.nodeName)
    }

    var store: SiteSettingsStore { SiteSettingsStore(path: file) }
}

/// One key of a settings result, as the manual's settings task shows it (spec/05 §20.2):
/// `{"value": v, "is_set": bool, "schema_key": key, "is_secret": bool}`; a secret's value is masked.
enum SiteSettingsOutput {
    static let mask = "*****"

    static func entry(key: String, value: JSONValue?, isSecret: Bool) -> JSONValue {
        let shown: JSONValue = isSecret && value != nil ? .string(mask) : value ?? .null
        return ["value": shown, "is_set": .bool(value != nil), "schema_key": .string(key), "is_secret": .bool(isSecret)]
    }

    /// `kwarg` as a list of strings, or empty when absent.
    static func keys(_ arguments: TaskArguments, _ kwarg: String) throws(TaskFailure) -> [String] {
        try arguments.stringList(kwarg) ?? []
    }
}

/// `dynamo.tasks.get_config_for_keys` (L12496, settings function): the site's settings, for the hub's
/// `/api/sites/{id}/settings/`. kwargs `keys` (list; absent or null: every key), `encrypted` (list of keys
/// to mask besides those stored as secrets). Output: `{"value": {key: entry}, "status": "succeeded"}`.
struct GetConfigForKeysTask: WorkerTask {
    static let name = "dynamo.tasks.get_config_for_keys"
    let options: SiteSettingsOptions

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        let output = try await output(TaskArguments(envelope.kwargs))
        let count = output["value"]?.objectValue?.count ?? 0
        return TaskOutcome(
            status: TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started),
            logs: ["get_config_for_keys: \(count) settings from \(options.file)"], output: output)
    }

    /// The result's `output`.
    /// - Throws: `TaskFailure` for bad kwargs or an unreadable or corrupt store.
    func output(_ arguments: TaskArguments) async throws -> JSONValue {
        let wanted = try arguments.stringList("keys")
        let masked = Set(try SiteSettingsOutput.keys(arguments, "encrypted"))
        let store = options.store
        let contents = try await OffPool.run("site-settings") { try store.read() }
        var entries: [String: JSONValue] = [:]
        for key in wanted ?? Array(contents.values.keys) {
            let secret = masked.contains(key) || contents.secretKeys.contains(key)
            entries[key] = SiteSettingsOutput.entry(key: key, value: contents.values[key], isSecret: secret)
        }
        return ["value": .object(entries), "status": "succeeded"]
    }
}

/// `dynamo.tasks.set_config_and_apply` (L12502, settings function): stores the given settings on this node,
/// then runs `settings_apply_command` (argv, never a shell) to apply them.
///
/// kwargs `values` (object key -> value; null deletes the key), `encrypted` (keys whose values are secrets:
/// never logged, masked in the output, remembered as secrets by the store), `timeout` (seconds for the apply
/// command; 0 or absent: no task limit, the worker's 24 h bound for any tool run still holds).
/// Output: `{"value": {key: entry}, "status": "succeeded"|"failed", "apply_output": {node: "succeeded"|error}}`.
/// A failing apply command does not fail the task: the settings are stored, and `status` says it.
struct SetConfigAndApplyTask: WorkerTask {
    static let name = "dynamo.tasks.set_config_and_apply"
    /// The tool name the apply command runs under (in `ToolRunner` messages).
    static let applyTool = "settings_apply_command"
    let options: SiteSettingsOptions
    let runner: ToolRunner

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        var logs: [String] = []
        let output = try await output(TaskArguments(envelope.kwargs), logs: &logs)
        return TaskOutcome(
            status: TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started), logs: logs, output: output)
    }

    /// Writes, applies, and returns the result's `output`; `logs` get keys and outcomes, never values.
    /// - Throws: `TaskFailure` for bad kwargs or when the store cannot be read or written (nothing applied).
    func output(_ arguments: TaskArguments, logs: inout [String]) async throws -> JSONValue {
        let values: [String: JSONValue]
        switch arguments.kwargs["values"] {
        case nil, .null?: values = [:]
        case .object(let object)?: values = object
        case let other?:
            throw TaskFailure("kwarg 'values' must be an object of setting key -> value, got \(TaskArguments.describe(other))")
        }
        for key in values.keys.sorted() { try SiteSettingsStore.validate(key: key) }
        let encrypted = Set(try SiteSettingsOutput.keys(arguments, "encrypted"))
        let timeout = try arguments.int("timeout", range: 0...Int(Int32.max)) ?? 0

        let store = options.store
        let stored = try await OffPool.run("site-settings") {
            try store.update { contents in
                for (key, value) in values {
                    if value == .null {
                        contents.values[key] = nil
                        contents.secretKeys.remove(key)
                    } else {
                        contents.values[key] = value
                    }
                }
                contents.secretKeys.formUnion(encrypted.filter { values[$0] != .null })
            }
        }
        let secrets = stored.secretKeys.union(encrypted)
        var entries: [String: JSONValue] = [:]
        for key in values.keys {
            entries[key] = SiteSettingsOutput.entry(key: key, value: stored.values[key], isSecret: secrets.contains(key))
        }
        let deleted = values.filter { $0.value == .null }.keys.sorted()
        let written = values.keys.filter { values[$0] != .null }.sorted()
        logs.append(
            "set_config_and_apply: stored \(written.count) settings in \(options.file)"
                + (written.isEmpty ? "" : " (\(written.joined(separator: ", ")))")
                + (deleted.isEmpty ? "" : "; deleted \(deleted.joined(separator: ", "))"))

        let applied = try await apply(timeout: timeout, secrets: secrets.compactMap { stored.values[$0]?.stringValue })
        logs.append("apply on \(options.nodeName): \(applied)")
        return [
            "value": .object(entries), "status": .string(applied == "succeeded" ? "succeeded" : "failed"),
            "apply_output": [options.nodeName: .string(applied)],
        ]
    }

    /// Runs the apply command: "succeeded", or why not (with stderr, secret values masked).
    private func apply(timeout: Int, secrets: [String]) async throws -> String {
        guard let argv = options.applyCommand, let program = argv.first else { return "succeeded" }
        var settings = runner.settings
        settings.commands = [Self.applyTool: program]
        settings.extraArguments = [:]
        // The command reads what to apply from the store.
        settings.environment["NGENEA_SITE_SETTINGS_FILE"] = options.file
        if timeout > 0 { settings.timeout = .seconds(timeout) }
        let text: String
        do {
            let result = try await ToolRunner(settings: settings).runCommand(
                tool: Self.applyTool, arguments: Array(argv.dropFirst()), maxOutputBytes: 16 << 20)
            if result.status == 0 { return "succeeded" }
            let stderr = ToolRunner.quote(result.stderr, truncated: false)
            text = "\(Self.applyTool) exited with status \(result.status)\(stderr.map { ": \($0)" } ?? "")"
        } catch let failure as TaskFailure {
            // Killed by shutdown: let the task be delivered again rather than report a failed apply.
            try Task.checkCancellation()
            text = failure.description
        }
        // The command may echo what it was applying; secrets never leave the node in the clear.
        return secrets.filter { !$0.isEmpty }.sorted { $0.count > $1.count }.reduce(text) {
            $0.replacingOccurrences(of: $1, with: SiteSettingsOutput.mask)
        }
    }
}
