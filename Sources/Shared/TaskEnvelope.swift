import Foundation

/// One task placed on a queue stream by the hub and run by a worker (DESIGN section 3).
///
/// `kwargs` are the step's arguments from the workflow action and runtime fields, free JSON: a worker
/// ignores keys it does not know (manual L9117).
public struct TaskEnvelope: Sendable, Hashable, Codable {
    public var version: Int
    /// The hub's id for this task; results and events quote it.
    public var taskID: String
    /// The delivery attempt the hub expects a result for. The worker reports the delivery count it saw;
    /// the hub commits a result only for the task's current attempt (attempt fencing).
    public var attempt: Int
    public var jobID: Int
    /// Task name, e.g. `dynamo.tasks.migrate` or `dynamo.custom.email_staff`.
    public var task: String
    /// The queue the task was routed to.
    public var queue: QueueName
    public var kwargs: [String: JSONValue]
    public var paths: [PathItem]
    /// Whether per-file outcomes should be streamed to the hub while the task runs (manual L9233-9241).
    public var streamResults: Bool
    public var enqueuedAt: Date

    public init(
        taskID: String, attempt: Int = 1, jobID: Int, task: String, queue: QueueName,
        kwargs: [String: JSONValue] = [:], paths: [PathItem], streamResults: Bool = false,
        enqueuedAt: Date = Date(), version: Int = WireVersion.current
    ) {
        self.version = version
        self.taskID = taskID
        self.attempt = attempt
        self.jobID = jobID
        self.task = task
        self.queue = queue
        self.kwargs = kwargs
        self.paths = paths
        self.streamResults = streamResults
        self.enqueuedAt = enqueuedAt
    }

    enum CodingKeys: String, CodingKey {
        case version = "v"
        case taskID = "task_id"
        case attempt
        case jobID = "jobid"
        case task, queue, kwargs, paths
        case streamResults = "stream_results"
        case enqueuedAt = "enqueued_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        guard version <= WireVersion.current else {
            throw DecodingError.dataCorruptedError(
                forKey: .version, in: c,
                debugDescription: "wire version \(version) is newer than this program's \(WireVersion.current)")
        }
        taskID = try c.decode(String.self, forKey: .taskID)
        attempt = try c.decode(Int.self, forKey: .attempt)
        jobID = try c.decode(Int.self, forKey: .jobID)
        task = try c.decode(String.self, forKey: .task)
        queue = try c.decode(QueueName.self, forKey: .queue)
        kwargs = try c.decodeIfPresent([String: JSONValue].self, forKey: .kwargs) ?? [:]
        paths = try c.decodeIfPresent([PathItem].self, forKey: .paths) ?? []
        streamResults = try c.decodeIfPresent(Bool.self, forKey: .streamResults) ?? false
        enqueuedAt = try c.decode(Date.self, forKey: .enqueuedAt)
    }
}
