/// A job's state from its tasks and files, and the manual control requests (spec/03 §15.1, §17.6).
public enum JobStateMachine {
    /// The job's state after an event.
    ///
    /// Pending until the first work task starts (L12585); Started while work remains (L12586); once
    /// nothing is pending or running and discovery is done: Failure if any file failed (L12631) or any
    /// task ended FAILURE (L12588), else Success, aborted files included (L12639). Pausing becomes
    /// Paused once no task runs (L12589-12590); Dequeuing becomes Cancelled likewise (L12591-12592).
    /// Paused stays Paused until resumed or cancelled. Final states stay final.
    public static func derive(current: JobState, progress: JobProgress) -> JobState {
        if current.isFinal { return current }
        switch current {
        case .pausing:
            return progress.startedTasks == 0 ? .paused : .pausing
        case .paused:
            return .paused
        case .dequeuing:
            return progress.startedTasks == 0 ? .cancelled : .dequeuing
        default:
            break
        }
        let anyWork = progress.pendingTasks + progress.startedTasks + progress.finishedTasks > 0
        // A job just created, before its discovery or first task is recorded, has nothing to judge yet.
        if current == .new && !anyWork && !progress.outstandingDiscovery { return .new }
        if progress.isIdle {
            return progress.failedFiles > 0 || progress.failedTasks > 0 ? .failure : .success
        }
        return progress.startedTasks > 0 || progress.finishedTasks > 0 ? .started : .pending
    }

    /// A pause request: only a PENDING or STARTED job can pause (L2668). The job then waits
    /// for its running tasks (Pausing); `derive` moves it on to Paused when none run.
    public static func pause(_ current: JobState) -> Result<JobState, JobControlError> {
        switch current {
        case .pending, .started: .success(.pausing)
        case .pausing, .paused: .failure(JobControlError(message: "The job is already \(current.rawValue)."))
        default: .failure(refusal(current, "paused", allowed: "PENDING or STARTED"))
        }
    }

    /// A resume request: a Paused or Pausing job goes back to Started (L2672); `derive` corrects that
    /// to Pending when no task has run yet.
    public static func resume(_ current: JobState) -> Result<JobState, JobControlError> {
        switch current {
        case .paused, .pausing: .success(.started)
        default: .failure(refusal(current, "resumed", allowed: "PAUSED or PAUSING"))
        }
    }

    /// A cancel request: any unfinished job starts dequeuing its pending tasks (L12592).
    public static func cancel(_ current: JobState) -> Result<JobState, JobControlError> {
        if current == .dequeuing {
            return .failure(JobControlError(message: "The job is already being cancelled."))
        }
        return current.isFinal
            ? .failure(JobControlError(message: "The job has finished (\(current.rawValue)) and cannot be cancelled."))
            : .success(.dequeuing)
    }

    private static func refusal(_ current: JobState, _ verb: String, allowed: String) -> JobControlError {
        JobControlError(message: "The job is \(current.rawValue) and cannot be \(verb); only \(allowed) jobs can.")
    }
}
