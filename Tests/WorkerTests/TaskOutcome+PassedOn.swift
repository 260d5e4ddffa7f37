import Shared

@testable import Worker

extension TaskOutcome {
    /// What the hub hands on to the next step for this outcome: the task's choice, else the processed and
    /// skipped files as the hub derives them from the input (`TaskStatus.passedOn(from:)`).
    var passedOn: [PathItem] { explicitPassedOn ?? status.passedOn(from: status.inputPaths) }
}
