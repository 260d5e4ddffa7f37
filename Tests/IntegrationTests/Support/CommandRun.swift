import Foundation

/// The exit status and output (stdout and stderr together) of a command run to completion.
struct CommandOutput {
    var status: Int32
    var output: String
}

/// Runs an executable with stdin from /dev/null (so it never sees a terminal) and waits for it, without
/// blocking the test's thread.
func runCommand(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)
) async throws -> CommandOutput {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("command-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: log) }
    let handle = try FileHandle(forWritingTo: log)
    defer { try? handle.close() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    let deadline = ContinuousClock.now + timeout
    while process.isRunning {
        guard ContinuousClock.now < deadline else {
            process.terminate()
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) did not finish in \(timeout)")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    return CommandOutput(status: process.terminationStatus, output: output)
}
