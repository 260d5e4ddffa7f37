/// The per-file outcome of a task, with the manual's key spellings (L9221-9231).
///
/// Processed and skipped files go on to the next step of a chain; aborted files stop without failing the
/// job; failures fail the job.
public enum FileState: String, Sendable, Hashable, Codable, CaseIterable {
    /// The task did its work on the file.
    case processed
    /// The file was already in the desired state.
    case skipped
    /// The file is dropped from the rest of the chain; the job is not failed for it.
    case aborted
    /// The file failed; the job fails.
    case failures
    /// Work on the file is still going on (rarely reported).
    case inprogress

    /// Whether a file in this state is handed to the next step of its chain.
    public var passesOn: Bool { self == .processed || self == .skipped }
}
