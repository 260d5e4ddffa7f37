import Glibc

/// Faults for tests, chosen by environment (docs/sandbox.md, "Fault injection"). Globs are fnmatch(3)
/// patterns on the absolute path, several separated by `|`; `*` also matches `/`.
struct FaultInjection {
    var fail: [String] = []
    var abort: [String] = []
    var crash: [String] = []
    var slow: [String] = []
    var slowMilliseconds = 0

    static func fromEnvironment() throws(SimError) -> FaultInjection {
        var faults = FaultInjection()
        faults.fail = globs(Posix.environment("NGSIM_FAIL"))
        faults.abort = globs(Posix.environment("NGSIM_ABORT"))
        faults.crash = globs(Posix.environment("NGSIM_CRASH"))
        if let slow = Posix.environment("NGSIM_SLOW"), !slow.isEmpty {
            guard let colon = slow.lastIndex(of: ":"), let ms = Int(slow[slow.index(after: colon)...]), ms >= 0 else {
                throw SimError.environment("NGSIM_SLOW must be '<glob>[|<glob>...]:<milliseconds>', got '\(slow)'")
            }
            faults.slow = globs(String(slow[..<colon]))
            faults.slowMilliseconds = ms
        }
        return faults
    }

    private static func globs(_ value: String?) -> [String] {
        guard let value else { return [] }
        return value.split(separator: "|").map(String.init).filter { !$0.isEmpty }
    }

    private static func matches(_ globs: [String], _ path: String) -> Bool {
        globs.contains { fnmatch($0, path, 0) == 0 }
    }

    /// Applies the faults for one file: may kill the process, sleep, or decide the outcome.
    func apply(to absPath: String) -> Outcome? {
        if Self.matches(crash, absPath) {
            Output.stderr("ngsim: NGSIM_CRASH matched \(absPath): killing myself\n")
            kill(getpid(), SIGKILL)
        }
        if slowMilliseconds > 0 && Self.matches(slow, absPath) { Posix.sleepMilliseconds(slowMilliseconds) }
        if Self.matches(fail, absPath) { return .failed("injected failure") }
        if Self.matches(abort, absPath) { return .aborted("injected abort") }
        return nil
    }
}
