/// Counts the job derivation needs.
///
/// Task counts are of work (step) tasks. Discovery is reported by `outstandingDiscovery` alone:
/// a job whose discovery is still collecting paths is Pending, not Started (L12585).
public struct JobProgress: Sendable, Hashable {
    /// Tasks created and not yet picked up (PENDING).
    public var pendingTasks: Int
    /// Tasks running (STARTED).
    public var startedTasks: Int
    /// Tasks that ended FAILURE.
    public var failedTasks: Int
    /// Tasks in any final state (FAILURE included).
    public var finishedTasks: Int
    /// Files whose state is failed (L12627-12633).
    public var failedFiles: Int
    /// A discovery task is pending or running, or may still spawn children (L12196).
    public var outstandingDiscovery: Bool

    public init(
        pendingTasks: Int = 0, startedTasks: Int = 0, failedTasks: Int = 0, finishedTasks: Int = 0,
        failedFiles: Int = 0, outstandingDiscovery: Bool = false
    ) {
        self.pendingTasks = pendingTasks
        self.startedTasks = startedTasks
        self.failedTasks = failedTasks
        self.finishedTasks = finishedTasks
        self.failedFiles = failedFiles
        self.outstandingDiscovery = outstandingDiscovery
    }

    /// No task waiting or running and no discovery that could add more: the job has nothing left to do.
    public var isIdle: Bool { pendingTasks == 0 && startedTasks == 0 && !outstandingDiscovery }
}
