import Foundation

/// Sent by a worker when it starts a delivered task (the hub marks the task STARTED, manual L12594-12609).
public struct TaskStarted: Sendable, Hashable, Codable {
    public var version: Int
    public var taskID: String
    /// The delivery count the worker saw; the hub makes it the task's current attempt.
    public var attempt: Int
    public var jobID: Int
    public var node: String
    public var started: Date

    public init(taskID: String, attempt: Int, jobID: Int, node: String, started: Date, version: Int = WireVersion.current) {
        self.version = version
        self.taskID = taskID
        self.attempt = attempt
        self.jobID = jobID
        self.node = node
        self.started = started
    }

    enum CodingKeys: String, CodingKey {
        case version = "v"
        case taskID = "task_id"
        case attempt
        case jobID = "jobid"
        case node, started
    }
}

/// A batch of per-file outcomes streamed while a task runs (`StreamTaskResults`, manual L9233-9278).
/// The final `TaskResult` still carries the whole status; the hub merges the two idempotently by path.
public struct FileOutcomeBatch: Sendable, Hashable, Codable {
    public var version: Int
    public var taskID: String
    public var attempt: Int
    public var jobID: Int
    public var state: FileState
    public var files: [FileDetail]

    public init(
        taskID: String, attempt: Int, jobID: Int, state: FileState, files: [FileDetail],
        version: Int = WireVersion.current
    ) {
        self.version = version
        self.taskID = taskID
        self.attempt = attempt
        self.jobID = jobID
        self.state = state
        self.files = files
    }

    enum CodingKeys: String, CodingKey {
        case version = "v"
        case taskID = "task_id"
        case attempt
        case jobID = "jobid"
        case state, files
    }
}

/// A worker's periodic "I am alive" (DESIGN section 3; registered as nodes and queues, manual L10007-10075).
public struct Heartbeat: Sendable, Hashable, Codable {
    /// One queue the worker consumes, with thread counts per enabled function.
    public struct Queue: Sendable, Hashable, Codable {
        public var queue: String
        /// Function name (`worker`, `discovery`, ...) to thread count; disabled functions are absent.
        public var functions: [String: Int]

        public init(queue: String, functions: [String: Int]) {
            self.queue = queue
            self.functions = functions
        }
    }

    public var version: Int
    public var node: String
    public var site: String
    /// The worker's software version.
    public var softwareVersion: String
    public var queues: [Queue]
    /// `dynamo.custom.*` task names the worker's plugins provide.
    public var pluginTasks: [String]
    /// The node's GPFS filesystems, name -> mount point (from `mmlsfs all -Y`), so that the hub can carry a
    /// path to another site that mounts the same filesystem elsewhere. Nil when the node could not list them.
    public var filesystems: [String: String]?
    public var sent: Date
    /// When the worker process started (a change means it restarted).
    public var started: Date
    /// Seconds until the hub should consider the worker gone if no newer heartbeat arrives.
    public var ttl: Int

    public init(
        node: String, site: String, softwareVersion: String, queues: [Queue], pluginTasks: [String] = [],
        filesystems: [String: String]? = nil, sent: Date, started: Date, ttl: Int, version: Int = WireVersion.current
    ) {
        self.version = version
        self.node = node
        self.site = site
        self.softwareVersion = softwareVersion
        self.queues = queues
        self.pluginTasks = pluginTasks
        self.filesystems = filesystems
        self.sent = sent
        self.started = started
        self.ttl = ttl
    }

    enum CodingKeys: String, CodingKey {
        case version = "v"
        case node, site
        case softwareVersion = "software_version"
        case queues
        case pluginTasks = "plugin_tasks"
        case filesystems
        case sent, started, ttl
    }
}
