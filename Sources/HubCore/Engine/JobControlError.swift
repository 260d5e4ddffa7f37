/// Why a pause, resume or cancel request cannot be carried out. The message reads on its own
/// ("The job is SUCCESS and cannot be paused."); the caller adds which job it was about.
public struct JobControlError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
