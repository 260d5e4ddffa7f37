import Foundation
import Logging
import Shared

/// What a task implementation returns: the file outcomes, optional logs, and the paths for the next step.
struct TaskOutcome: Sendable {
    var status: TaskStatus
    var logs: [String] = []
    /// The result's `paths` when the task sets them itself (discovery: the items it found); nil means
    /// the processed and skipped files (`TaskStatus.passedOn(from:)`), which the hub derives.
    var explicitPassedOn: [PathItem]?
    /// Discovery only: directories the hub discovers with child tasks (the result's `discover`).
    var discover: [String]?
    /// A system task's answer (settings tasks): the result's `output`.
    var output: JSONValue?
    /// `site_inventory`'s answer: the result's `inventory`.
    var inventory: SiteInventory?
    /// Sub-DAGs the task submits (the result's `subdags`).
    var subdags: [SubDAG] = []

    init(
        status: TaskStatus, logs: [String] = [], explicitPassedOn: [PathItem]? = nil, discover: [String]? = nil,
        output: JSONValue? = nil, inventory: SiteInventory? = nil, subdags: [SubDAG] = []
    ) {
        self.status = status
        self.logs = logs
        self.explicitPassedOn = explicitPassedOn
        self.discover = discover
        self.output = output
        self.inventory = inventory
        self.subdags = subdags
    }
}

/// A task failure of the task as a whole (as opposed to a file failing): unknown task, bad arguments,
/// a tool that crashed. Reported to the hub as the result's `error`.
struct TaskFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One task implementation, found by its `dynamo.tasks.*` or `dynamo.custom.*` name.
protocol WorkerTask: Sendable {
    /// Runs the task on the envelope's paths. Unknown kwargs are ignored (manual L9117).
    /// - Throws: `TaskFailure` when the task as a whole cannot run.
    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome
}

/// The tasks this worker runs, by name: the built-in `dynamo.tasks.*` (docs/tasks.md) and, when
/// `enable_plugins` is on, the installed plugins' `dynamo.custom.*` tasks.
struct TaskTable: Sendable {
    private var tasks: [String: any WorkerTask]
    /// Why a `dynamo.custom.*` task that no plugin provides cannot run (a clearer failure than "unknown").
    private var missingPluginReason: String

    init(tasks: [String: any WorkerTask], missingPluginReason: String = TaskTable.pluginsDisabled) {
        self.tasks = tasks
        self.missingPluginReason = missingPluginReason
    }

    static let pluginsDisabled = "plugins are disabled on this worker (enable_plugins = false)"

    /// The built-in tasks; the data-moving ones run the tools as `tools` says (docs/tasks.md).
    static func builtIn(tools: ToolSettings = ToolSettings(), siteSettings: SiteSettingsOptions = SiteSettingsOptions()) -> TaskTable {
        TaskTable(tasks: BuiltInTasks.all(tools: tools, siteSettings: siteSettings))
    }

    /// This table plus the plugins' tasks (built-in names win: a plugin cannot replace one, and plugin
    /// names are `dynamo.custom.*` anyway).
    func including(plugins: [PluginBundle], logger: Logger) -> TaskTable {
        var table = self
        table.tasks.merge(PluginTask.tasks(of: plugins, logger: logger)) { builtIn, _ in builtIn }
        table.missingPluginReason = "no installed plugin provides it on this worker"
        return table
    }

    func task(named name: String) -> (any WorkerTask)? {
        if let task = tasks[name] { return task }
        if name.hasPrefix(PluginManifest.taskPrefix) {
            return UnavailableTask(reason: "cannot run \(name): \(missingPluginReason)")
        }
        return nil
    }

    var names: [String] { tasks.keys.sorted() }

    /// The plugin task names, for the heartbeat.
    var pluginTaskNames: [String] { names.filter { $0.hasPrefix(PluginManifest.taskPrefix) } }
}

/// A task name this worker knows about but cannot run; fails with the reason.
struct UnavailableTask: WorkerTask {
    let reason: String

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        throw TaskFailure(reason)
    }
}

/// `dynamo.tasks.noop`: marks every input path processed without touching it. Not in the manual: it exists
/// to measure pure orchestration (the benchmark) and to check a site's plumbing end to end.
struct NoopTask: WorkerTask {
    static let name = "dynamo.tasks.noop"

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        var status = TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started)
        // All at once: `add` per file hashed the state twice for each.
        status.details[FileState.processed.rawValue] = envelope.paths.map { FileDetail(path: $0.path, size: $0.size) }
        status.summary[FileState.processed.rawValue] = envelope.paths.count
        return TaskOutcome(status: status)
    }
}
