import Foundation
import Glibc
import Testing

/// Runs the real ngsim binary in subprocesses, each test in its own temporary directory.
enum NGSim {
    /// The ngsim binary: `$NGENEA_BIN_DIR/ngsim`, else `ngsim` next to the test runner (or in a
    /// `debug` directory above it). The dev package builds the same target under the name `Sandbox`.
    static let binary: String = {
        let fm = FileManager.default
        var dirs: [URL] = []
        if let env = ProcessInfo.processInfo.environment["NGENEA_BIN_DIR"], !env.isEmpty {
            dirs.append(URL(fileURLWithPath: env))
        }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().standardizedFileURL
        for _ in 0..<6 {
            dirs.append(dir)
            dirs.append(dir.appendingPathComponent("debug"))
            dir = dir.deletingLastPathComponent()
        }
        for d in dirs {
            for name in ["ngsim", "Sandbox"] {
                let candidate = d.appendingPathComponent(name).path
                var isDir: ObjCBool = false
                if fm.fileExists(atPath: candidate, isDirectory: &isDir), !isDir.boolValue, fm.isExecutableFile(atPath: candidate) {
                    return candidate
                }
            }
        }
        return "ngsim-not-found"
    }()

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        /// True when the process was killed by a signal (status is then the signal number).
        let signalled: Bool

        /// The contract lines: STATE, PATH, MESSAGE with escapes undone.
        var lines: [(state: String, path: String, message: String)] {
            stdout.split(separator: "\n", omittingEmptySubsequences: true).map { line in
                let f = line.split(separator: "\t", omittingEmptySubsequences: false).map { NGSim.unescape(String($0)) }
                return (f.first ?? "", f.count > 1 ? f[1] : "", f.count > 2 ? f[2] : "")
            }
        }

        func state(of path: String) -> String? { lines.first { $0.path == path }?.state }
    }

    /// Runs `ngsim args...` (or the tool `args[0]` as an ngsim subcommand) in `cwd`.
    @discardableResult
    static func run(_ args: [String], cwd: URL? = nil, env: [String: String] = [:]) async throws -> Result {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NGSIM_") }
        for (k, v) in env { environment[k] = v }
        let output = try await Subprocess.run(URL(fileURLWithPath: binary), args, cwd: cwd, environment: environment)
        return Result(
            status: output.status,
            stdout: String(decoding: output.stdout, as: UTF8.self),
            stderr: String(decoding: output.stderr, as: UTF8.self),
            signalled: output.signalled
        )
    }

    static func unescape(_ text: String) -> String {
        var out = ""
        var pending = false
        for ch in text {
            if pending {
                switch ch {
                case "t": out.append("\t")
                case "n": out.append("\n")
                default: out.append(ch)
                }
                pending = false
            } else if ch == "\\" {
                pending = true
            } else {
                out.append(ch)
            }
        }
        return out
    }
}

/// Child processes for the tests, run without ever blocking a thread of Swift concurrency's cooperative
/// pool (as many threads as cores: a `waitUntilExit()` or a blocking read there starves every other
/// suite of the run). The caller suspends; the waiting is done by Foundation's own threads.
enum Subprocess {
    struct Output: Sendable {
        let status: Int32
        let stdout: Data
        let stderr: Data
        /// True when the process was killed by a signal (status is then the signal number).
        let signalled: Bool
    }

    /// Runs `executable arguments...` in `cwd` (default: ours) with `environment` (default: ours) and
    /// returns once it has exited, with everything it wrote to stdout and stderr. Standard input is
    /// inherited. If the calling task is cancelled, the child is killed (SIGKILL).
    static func run(_ executable: URL, _ arguments: [String], cwd: URL? = nil, environment: [String: String]? = nil) async throws -> Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let cwd { process.currentDirectoryURL = cwd }
        if let environment { process.environment = environment }
        // Files, not pipes: a chatty child can never block on a full pipe, and once it has exited
        // everything it wrote is in the files (no race between its exit and draining pipes).
        let fm = FileManager.default
        let out = fm.temporaryDirectory.appendingPathComponent("ngsim-out-\(UUID().uuidString)")
        let err = fm.temporaryDirectory.appendingPathComponent("ngsim-err-\(UUID().uuidString)")
        _ = fm.createFile(atPath: out.path, contents: nil)
        _ = fm.createFile(atPath: err.path, contents: nil)
        defer {
            try? fm.removeItem(at: out)
            try? fm.removeItem(at: err)
        }
        let outHandle = try FileHandle(forWritingTo: out)
        defer { try? outHandle.close() }
        let errHandle = try FileHandle(forWritingTo: err)
        defer { try? errHandle.close() }
        process.standardOutput = outHandle
        process.standardError = errHandle

        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Output, any Error>) in
                let once = ResumeOnce(continuation)
                // Set before run(), so it is called exactly once if the child starts: on a thread of
                // Foundation's after the child has exited and been reaped. The output files are
                // complete then; they are read there too, off the cooperative pool.
                process.terminationHandler = { process in
                    once.resume(with: Swift.Result {
                        Output(
                            status: process.terminationStatus,
                            stdout: try Data(contentsOf: out),
                            stderr: try Data(contentsOf: err),
                            signalled: process.terminationReason == .uncaughtSignal
                        )
                    })
                }
                do {
                    try process.run()
                } catch {
                    // Not started: the handler is never called.
                    process.terminationHandler = nil
                    once.resume(with: .failure(error))
                }
            }
        } onCancel: {
            // A cancelled test (e.g. its time limit) does not wait for a hung child. pid 0 would mean
            // our own process group: run() sets isRunning before processIdentifier.
            let pid = process.processIdentifier
            if pid > 0, process.isRunning { kill(pid, SIGKILL) }
        }
    }

    /// Resumes a continuation once; later calls do nothing.
    private final class ResumeOnce: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Output, any Error>?

        init(_ continuation: CheckedContinuation<Output, any Error>) { self.continuation = continuation }

        func resume(with result: Swift.Result<Output, any Error>) {
            let continuation = lock.withLock {
                defer { self.continuation = nil }
                return self.continuation
            }
            continuation?.resume(with: result)
        }
    }
}

/// A temporary directory removed at the end of the test.
final class Scratch {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ngsim-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func sub(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// `ngsim init` of a site in `<scratch>/<name>` with filesystem mmfs1 and the given target directory.
    @discardableResult
    func makeSite(_ name: String, target: String = "cloud", targetDir: URL? = nil, extra: [String] = []) async throws -> Site {
        let dir = sub(name)
        let tdir = targetDir ?? sub("\(name)-\(target)")
        let r = try await NGSim.run(["init", dir.path, "--site", name, "--target", "\(target)=\(tdir.path)"] + extra)
        #expect(r.status == 0, "init failed: \(r.stderr)")
        return Site(dir: dir, targetDir: tdir)
    }

    struct Site {
        let dir: URL
        let targetDir: URL
        var mount: URL { dir.appendingPathComponent("mmfs1") }
        var env: [String: String] { ["NGSIM_SITE": dir.path] }
    }
}

enum Files {
    static func write(_ url: URL, _ data: Data) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    static func random(_ count: Int) -> Data {
        var g = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: count)
        for i in 0..<count { bytes[i] = UInt8.random(in: 0...255, using: &g) }
        return Data(bytes)
    }

    /// SHA-256 by /usr/bin/sha256sum (the reference, independent of ngsim).
    static func sha256sum(_ paths: [String]) async throws -> [String: String] {
        let output = try await Subprocess.run(URL(fileURLWithPath: "/usr/bin/sha256sum"), ["-z", "--"] + paths)
        let data = output.stdout
        #expect(output.status == 0, "\(String(decoding: output.stderr, as: UTF8.self))")
        var result: [String: String] = [:]
        // -z: NUL-terminated records "HASH  NAME", names unescaped.
        for record in data.split(separator: 0) {
            let text = String(decoding: record, as: UTF8.self)
            let hash = String(text.prefix(64))
            result[String(text.dropFirst(66))] = hash
        }
        return result
    }

    static func sha256sum(_ path: String) async throws -> String { try await sha256sum([path])[path] ?? "" }

    /// Allocated bytes (st_blocks * 512) and size of a path.
    static func allocation(_ path: String) -> (allocated: Int64, size: Int64) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return (-1, -1) }
        return (Int64(st.st_blocks) * 512, Int64(st.st_size))
    }
}
