import RedisQueue
import Shared

/// Tasks committed together with the `dispatch_outbox` row that stands for them until they are on their
/// queues (migration 13): the creator sends them once its transaction commits, and deletes the row.
struct OutboxBatch: Sendable {
    /// The `dispatch_outbox` row.
    var rowID: Int64
    var tasks: [OutgoingTask]
}

/// A task on its way to its queue: the stream entry the dispatcher adds.
struct OutgoingTask: Sendable {
    /// The API id.
    var id: Int64
    var job: Int64
    var queue: String
    var entry: QueueEntry
    /// Taken back when its job is paused or cancelled: every task but the end-of-job ones.
    var retractable: Bool

    /// The entry for a task from its stored parts: the envelope (`TaskEnvelope.json`, the one place it is
    /// written, for new tasks and swept ones alike) and its tags (docs/wire-protocol.md): `task`, the wire
    /// id, and `job`, by which a pause or cancel finds the job's queued tasks. End-of-job tasks
    /// (`Dispatcher.finalizerTasks`) get an empty `job`: they are never taken back with their job.
    init(
        id: Int64, taskID: String, attempt: Int, job: Int64, name: String, queue: String, kwargs: [UInt8], paths: [UInt8],
        enqueuedAt: String
    ) {
        self.id = id
        self.job = job
        self.queue = queue
        self.retractable = !Dispatcher.finalizerTasks.contains(name)
        let envelope = TaskEnvelope.json(
            taskID: taskID, attempt: attempt, jobID: job, task: name, queue: queue, kwargs: kwargs, paths: paths, enqueuedAt: enqueuedAt)
        self.entry = QueueEntry(payload: envelope, tags: [(Self.jobTag, retractable ? String(job) : ""), (Self.taskTag, taskID)])
    }

    static let jobTag = "job"
    static let taskTag = "task"
}
