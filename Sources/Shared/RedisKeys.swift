/// Redis names that hub and worker must agree on beyond the queue streams themselves (whose keys
/// `RedisQueue.ReliableQueue` derives from a `QueueName`: `ngenea:q:<site>.<queue>#<function>`).
public enum RedisKeys {
    /// Consumer group of workers on a task stream.
    public static let workerGroup = "workers"
    /// Consumer group of hubs on the results stream (`ngenea:results`).
    public static let hubGroup = "hub"
    /// A key whose existence marks a job cancelled: workers check it before starting a delivered task
    /// and skip the task (DESIGN section 3). The hub sets it with an expiry.
    public static func cancelled(jobID: Int) -> String { "ngenea:cancelled:\(jobID)" }
}
