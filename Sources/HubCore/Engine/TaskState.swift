/// A task's state as the API reports it (L12594-12609).
public enum TaskState: String, Sendable, Codable, CaseIterable {
    /// Created, not yet picked up by a site.
    case pending = "PENDING"
    /// Running on a site.
    case started = "STARTED"
    case success = "SUCCESS"
    /// Unexpected error, no structured output: the rest of its chain is cancelled.
    case failure = "FAILURE"
    /// Captured error with structured output: processed paths go on down the chain (L12605).
    case error = "ERROR"
    /// Nothing to do, skipped by another task (L12606).
    case skipped = "SKIPPED"
    /// A previous task failed or the job was cancelled (L12607).
    case cancelled = "CANCELLED"

    public var isFinal: Bool {
        switch self {
        case .pending, .started: false
        case .success, .failure, .error, .skipped, .cancelled: true
        }
    }
}
