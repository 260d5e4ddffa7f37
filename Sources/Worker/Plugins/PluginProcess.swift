import Foundation
import Glibc
import Synchronization

/// Bounds on one plugin (or tool) run, so that a runaway program cannot exhaust the worker.
struct PluginLimits: Sendable {
    /// Stdout beyond this kills the program and fails the task.
    var maxOutputBytes = 64 << 20
    /// How much of the end of stderr is kept.
    var stderrTailBytes = 64 << 10
    /// After the program exits, how long its pipes may stay open (held by something that left its
    /// process group) before the worker stops reading them.
    var exitGrace: Duration = .seconds(2)
    /// After SIGKILL, how long to wait for the exit before giving up on the process (stuck in the kernel).
    var killGrace: Duration = .seconds(10)
}

/// How a plugin run ended and what it printed.
struct PluginRunResult: Sendable {
    enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// Nil when the program did not exit even after SIGKILL.
    var termination: Termination?
    var timedOut = false
    var cancelled = false
    var outputTooLarge = false
    var output = PluginOutput()
    /// The end of stderr (at most `stderrTailBytes`).
    var stderr = ""
    var stderrTruncated = false
}

/// Runs plugin programs. Everything that blocks (pipes, waiting for the exit) happens on a dedicated
/// thread per run, never on Swift's cooperative pool, which the worker's other tasks share on few cores.
enum PluginProcess {
    /// Runs `executable` with `input` on stdin until it exits, `timeout` passes (then its whole process
    /// group is killed), or the calling task is cancelled (likewise; then this throws `CancellationError`).
    /// When the program exits, whatever it left running in its process group is killed too.
    /// - Throws: `PluginSpawnError` when it cannot start, `CancellationError` when cancelled.
    static func run(
        executable: String, environment: [String: String], input: [UInt8], timeout: Duration,
        limits: PluginLimits = PluginLimits()
    ) async throws -> PluginRunResult {
        let reporter = ProgressReporter.current
        let (exit, output) = try await ChildProcess.run(
            executable: executable, arguments: [], environment: environment, input: input, timeout: timeout,
            limits: limits,
            sink: { PluginOutputParser(onReport: reporter?.sink) })
        return PluginRunResult(
            termination: exit.termination, timedOut: exit.timedOut, cancelled: exit.cancelled,
            outputTooLarge: exit.outputTooLarge, output: output, stderr: exit.stderr, stderrTruncated: exit.stderrTruncated)
    }
}

/// Consumes a child's stdout as it arrives, in chunks that may split lines anywhere.
protocol ProcessOutputSink: SendableMetatype {
    associatedtype Output: Sendable
    mutating func feed<Bytes: Collection<UInt8>>(_ bytes: Bytes)
    /// End of stdout (a last line may lack its newline).
    mutating func finish()
    var output: Output { get }
}

extension PluginOutputParser: ProcessOutputSink {}

/// How a child run ended, apart from what its stdout sink made of the output.
struct ProcessExit: Sendable {
    /// Nil when the program did not exit even after SIGKILL.
    var termination: PluginRunResult.Termination?
    var timedOut = false
    var cancelled = false
    var outputTooLarge = false
    /// The end of stderr (at most `stderrTailBytes`).
    var stderr = ""
    var stderrTruncated = false
}

/// Runs a program (plugins, the Ngenea and GPFS tools) as the leader of its own process group, with an
/// argv array (never a shell), on a dedicated thread.
enum ChildProcess {
    /// Runs `executable arguments...` as `PluginProcess.run` does, feeding stdout to a sink made by `sink`
    /// on the run's thread.
    /// - Throws: `PluginSpawnError` when it cannot start, `CancellationError` when cancelled.
    static func run<Sink: ProcessOutputSink>(
        executable: String, arguments: [String], environment: [String: String], input: [UInt8], timeout: Duration,
        limits: PluginLimits, sink: @escaping @Sendable () -> Sink
    ) async throws -> (ProcessExit, Sink.Output) {
        let child = try await spawn(executable: executable, arguments: arguments, environment: environment)
        let cancellation = CancellationFlag()
        let deadline = ContinuousClock.now + timeout
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<(ProcessExit, Sink.Output), Never>) in
                let thread = Thread {
                    var loop = ChildIOLoop(
                        child: child, input: input, deadline: deadline, limits: limits, cancellation: cancellation,
                        sink: sink())
                    let result = loop.run()
                    continuation.resume(returning: result)
                    // A process that ignored SIGKILL (stuck in the kernel) is reaped whenever it finally exits.
                    if result.0.termination == nil { loop.reap() }
                }
                thread.name = "child-\(child.pid)"
                thread.start()
            }
        } onCancel: {
            cancellation.cancel()
        }
        if result.0.cancelled { throw CancellationError() }
        return result
    }
}

extension ChildProcess {
    /// Starts the program, retrying briefly on ETXTBSY: exec fails while any process holds the file open
    /// for writing, which includes a process another thread is forking at the moment the file is written
    /// (or a plugin program replaced while it runs).
    private static func spawn(executable: String, arguments: [String], environment: [String: String]) async throws -> PluginChild {
        var attempt = 0
        while true {
            try Task.checkCancellation()
            do {
                return try PluginChild.spawn(executable: executable, arguments: arguments, environment: environment)
            } catch {
                guard (error as? PluginSpawnError)?.code == ETXTBSY, attempt < 5 else { throw error }
                attempt += 1
                try await Task.sleep(for: .milliseconds(20 * attempt))
            }
        }
    }
}

/// Set from the cancellation handler, read by the I/O loop.
final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func cancel() { flag.store(true, ordering: .relaxed) }
    var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// One run's poll loop: feeds stdin, reads stdout (fed to the sink as it comes) and stderr (its tail), watches for
/// the exit without reaping until the process group has been killed (a reaped pid could be reused, and
/// `kill(-pgid)` would then hit a stranger), and enforces the deadline and the output bound.
private struct ChildIOLoop<Sink: ProcessOutputSink> {
    let child: PluginChild
    let input: [UInt8]
    let deadline: ContinuousClock.Instant
    let limits: PluginLimits
    let cancellation: CancellationFlag

    private var stdin: Int32
    private var stdout: Int32
    private var stderr: Int32
    private var written = 0
    private var parser: Sink
    private var outputBytes = 0
    private var stderrBuffer: [UInt8] = []
    private var result = ProcessExit()
    private var killedAt: ContinuousClock.Instant?
    private var exitedAt: ContinuousClock.Instant?
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)

    init(
        child: PluginChild, input: [UInt8], deadline: ContinuousClock.Instant, limits: PluginLimits,
        cancellation: CancellationFlag, sink: Sink
    ) {
        self.child = child
        self.parser = sink
        self.input = input
        self.deadline = deadline
        self.limits = limits
        self.cancellation = cancellation
        stdin = child.stdin
        stdout = child.stdout
        stderr = child.stderr
        if input.isEmpty { Self.close(&stdin) }
    }

    mutating func run() -> (ProcessExit, Sink.Output) {
        var idleWait: UInt32 = 500  // microseconds, doubled up to 50 ms while only the exit is awaited
        while true {
            let now = ContinuousClock.now
            if result.termination == nil {
                if killedAt == nil && cancellation.isCancelled {
                    result.cancelled = true
                    killGroup(now)
                } else if killedAt == nil && now >= deadline {
                    result.timedOut = true
                    killGroup(now)
                } else if let killedAt, now - killedAt > limits.killGrace {
                    break  // SIGKILL did not end it: report what we have; the thread reaps it later
                }
            } else if stdout < 0 && stderr < 0 {
                break
            } else if let exitedAt, now - exitedAt > limits.exitGrace {
                break  // something outside the process group holds the pipes: stop reading them
            }

            var fds: [pollfd] = []
            if stdin >= 0 && result.termination == nil { fds.append(pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)) }
            if stdout >= 0 { fds.append(pollfd(fd: stdout, events: Int16(POLLIN), revents: 0)) }
            if stderr >= 0 { fds.append(pollfd(fd: stderr, events: Int16(POLLIN), revents: 0)) }
            if fds.isEmpty {
                // Pipes closed (normally: the program is exiting); wait for the exit itself.
                checkExit()
                if result.termination == nil {
                    usleep(idleWait)
                    idleWait = min(idleWait * 2, 50_000)
                }
                continue
            }
            let untilDeadline = deadline - now
            let timeout = killedAt == nil && untilDeadline < .milliseconds(100) ? max(untilDeadline, .milliseconds(1)) : .milliseconds(100)
            let ready = poll(&fds, nfds_t(fds.count), Int32((timeout / .milliseconds(1)).rounded(.up)))
            if ready > 0 {
                for entry in fds where entry.revents != 0 {
                    if entry.fd == stdin { writeInput() }
                    if entry.fd == stdout { readOutput() }
                    if entry.fd == stderr { readErrors() }
                }
            }
            checkExit()
        }
        parser.finish()
        let tail = stderrBuffer.suffix(limits.stderrTailBytes)
        result.stderrTruncated = result.stderrTruncated || tail.count < stderrBuffer.count
        result.stderr = String(decoding: tail, as: UTF8.self)
        Self.close(&stdin)
        Self.close(&stdout)
        Self.close(&stderr)
        return (result, parser.output)
    }

    /// Blocks until the process exits, then reaps it (after a run that gave up waiting).
    func reap() {
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
    }

    private mutating func writeInput() {
        let count = input.withUnsafeBytes { bytes -> Int in
            guard let base = bytes.baseAddress else { return 0 }
            return write(stdin, base + written, min(bytes.count - written, 64 << 10))
        }
        if count > 0 {
            written += count
            if written == input.count { Self.close(&stdin) }
        } else if count < 0 && errno != EAGAIN && errno != EINTR {
            Self.close(&stdin)  // EPIPE: the program stopped reading; that is its business
        }
    }

    private mutating func readOutput() {
        let count = read(stdout, &buffer, buffer.count)
        if count > 0 {
            outputBytes += count
            if outputBytes > limits.maxOutputBytes {
                if !result.outputTooLarge {
                    result.outputTooLarge = true
                    killGroup(.now)
                }
            } else {
                parser.feed(buffer[0..<count])
            }
        } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
            Self.close(&stdout)
        }
    }

    private mutating func readErrors() {
        let count = read(stderr, &buffer, buffer.count)
        if count > 0 {
            stderrBuffer.append(contentsOf: buffer[0..<count])
            if stderrBuffer.count > 2 * limits.stderrTailBytes {
                stderrBuffer.removeFirst(stderrBuffer.count - limits.stderrTailBytes)
                result.stderrTruncated = true
            }
        } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
            Self.close(&stderr)
        }
    }

    /// Notices the exit without reaping, kills what is left of the group, then reaps.
    private mutating func checkExit() {
        guard result.termination == nil else { return }
        var info = siginfo_t()
        guard waitid(P_PID, id_t(child.pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0,
            info._sifields._sigchld.si_pid == child.pid
        else { return }
        let status = info._sifields._sigchld.si_status
        result.termination = info.si_code == CLD_EXITED ? .exited(status) : .signalled(status)
        kill(-child.pid, SIGKILL)
        reap()
        exitedAt = .now
    }

    /// Only while the leader is unreaped: its pid is then still our process group's id.
    private mutating func killGroup(_ now: ContinuousClock.Instant) {
        guard result.termination == nil else { return }
        kill(-child.pid, SIGKILL)
        if killedAt == nil { killedAt = now }
    }

    private static func close(_ fd: inout Int32) {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}
