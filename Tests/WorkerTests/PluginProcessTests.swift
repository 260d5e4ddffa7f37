import Foundation
import Shared
import Testing

@testable import Worker

/// Running plugin programs: exits, signals, timeouts that kill the process group, bounds, cancellation.
@Suite struct PluginProcessTests {
    func run(
        _ script: String, fixtures: PluginFixtures, input: [UInt8] = Array("{}\n".utf8), timeout: Duration = .seconds(20),
        limits: PluginLimits = PluginLimits(), environment: [String: String] = [:]
    ) async throws -> PluginRunResult {
        let program = try fixtures.write("bin/\(UUID().uuidString)", "#!/bin/sh\n" + script, executable: true)
        return try await PluginProcess.run(
            executable: program, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
            input: input, timeout: timeout, limits: limits)
    }

    @Test func stdinStdoutStderrAndExitZero() async throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let copy = fixtures.root.path + "/stdin.copy"
        let input = Array(String(repeating: "{\"k\": \"v\"}", count: 50_000).utf8) + [0x0A]  // larger than a pipe buffer
        let result = try await run(
            """
            cat > \(copy)
            echo '{"log": "hello '"$GREETING"'"}'
            echo '{"add": {"state": "processed", "path": "/a"}}'
            echo 'a warning' >&2
            """, fixtures: fixtures, input: input, environment: ["GREETING": "world"])
        #expect(result.termination == .exited(0))
        #expect(!result.timedOut && !result.outputTooLarge)
        #expect(result.output.logs == ["hello world"])
        #expect(result.output.reports.map(\.detail.path) == ["/a"])
        #expect(result.stderr == "a warning\n")
        #expect(FileManager.default.contents(atPath: copy) == Data(input))
    }

    @Test func exitStatusAndSignal() async throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let failed = try await run("echo boom >&2\nexit 3\n", fixtures: fixtures)
        #expect(failed.termination == .exited(3))
        #expect(failed.stderr == "boom\n")
        let killed = try await run("kill -SEGV $$\n", fixtures: fixtures)
        #expect(killed.termination == .signalled(SIGSEGV))
    }

    /// A program that does not read its stdin and exits: the worker gets EPIPE, not SIGPIPE.
    @Test func programIgnoringStdin() async throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let result = try await run("exit 0\n", fixtures: fixtures, input: [UInt8](repeating: 0x20, count: 4 << 20))
        #expect(result.termination == .exited(0))
    }

    /// The timeout kills the whole process group, background children included.
    @Test func timeoutKillsTheProcessGroup() async throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let pids = fixtures.root.path + "/pids"
        let started = ContinuousClock.now
        let result = try await run(
            """
            sleep 1000 & echo $! >> \(pids)
            sh -c 'sleep 1000' & echo $! >> \(pids)
            echo '{"log": "started"}'
            sleep 1000
            """, fixtures: fixtures, timeout: .seconds(1))
        #expect(result.timedOut)
        #expect(result.termination == .signalled(SIGKILL))
        #expect(result.output.logs == ["started"])
        #expect(ContinuousClock.now - started < .seconds(15))
        let children = fixtures.pids(in: pids)
        #expect(children.count == 2)
        for pid in children { #expect(await PluginFixtures.becomesGone(pid), "child \(pid) survived") }
    }

    /// When the program exits, what it left behind in its group is killed, and its open pipes do not
    /// hold the task.
    @Test func leftoversAreKilledAtExit() async throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let pids = fixtures.root.path + "/pids"
        let started = ContinuousClock.now
        let result = try await run("sleep 1000 & echo $! > \(pids)\nexit 0\n", fixtures: fixtures)
        #expect(result.termination == .exited(0))
        #expect(ContinuousClock.now - started < .seconds(15), "the leftover child must not hold the run until its 20 s timeout")
        for pid in fixtures.pids(in: pids) { #expect(await PluginFixtures.becomesGone(pid), "leftover \(pid) survived") }
    }

    @Test func outputBeyondTheBoundKillsTheProgram() async throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        var limits = PluginLimits()
        limits.maxOutputBytes = 1 << 20
        limits.stderrTailBytes = 1024
        let result = try await run(
            "head -c 300000 /dev/zero | tr '\\0' e >&2\nwhile :; do echo '{\"log\": \"x\"}'; done\n", fixtures: fixtures,
            limits: limits)
        #expect(result.outputTooLarge)
        #expect(result.termination == .signalled(SIGKILL))
        #expect(result.stderr.utf8.count == 1024)
        #expect(result.stderrTruncated)
    }

    @Test func cancellationKillsTheProgram() async throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let pids = fixtures.root.path + "/pids"
        let program = try fixtures.write("bin/hang", "#!/bin/sh\necho $$ > \(pids)\nsleep 1000\n", executable: true)
        let task = Task {
            try await PluginProcess.run(
                executable: program, environment: [:], input: [], timeout: .seconds(600))
        }
        #expect(try await eventuallyTrue { !fixtures.pids(in: pids).isEmpty })
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        for pid in fixtures.pids(in: pids) { #expect(await PluginFixtures.becomesGone(pid), "leftover \(pid) survived") }
    }

    @Test func missingProgramCannotStart() async throws {
        await #expect(throws: PluginSpawnError.self) {
            try await PluginProcess.run(executable: "/nonexistent/plugin", environment: [:], input: [], timeout: .seconds(5))
        }
    }

    func eventuallyTrue(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(25))
        }
        return condition()
    }
}
