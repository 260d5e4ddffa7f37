/// A job's state as the API reports it (L12580-12592, plus New, Error, Skipped and Unknown from the
/// UI's filter list, L2553-2564).
public enum JobState: String, Sendable, Codable, CaseIterable {
    case new = "NEW"
    case pending = "PENDING"
    case started = "STARTED"
    case success = "SUCCESS"
    case failure = "FAILURE"
    case error = "ERROR"
    case pausing = "PAUSING"
    case paused = "PAUSED"
    case dequeuing = "DEQUEUING"
    case cancelled = "CANCELLED"
    case skipped = "SKIPPED"
    case unknown = "UNKNOWN"

    /// Finished for good: nothing moves a job out of these, except a resubmit that starts over.
    public var isFinal: Bool {
        switch self {
        case .success, .failure, .error, .cancelled, .skipped: true
        case .new, .pending, .started, .pausing, .paused, .dequeuing, .unknown: false
        }
    }
}
