import Shared

/// A file's job-level state from its states at each step it reached (L12613, spec/03 §17.6).
public enum FileOutcome {
    /// Failed at any step -> failures (the job fails, L12631); else aborted at any step -> aborted
    /// (L12637); else still in progress somewhere -> inprogress; else skipped at every step -> skipped
    /// (L12623); else processed. A file that reached no step is skipped: nothing was done to it.
    public static func combine(_ states: [FileState]) -> FileState {
        if states.contains(.failures) { return .failures }
        if states.contains(.aborted) { return .aborted }
        if states.contains(.inprogress) { return .inprogress }
        if states.allSatisfy({ $0 == .skipped }) { return .skipped }
        return .processed
    }
}
