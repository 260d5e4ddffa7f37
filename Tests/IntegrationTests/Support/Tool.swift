import Foundation

/// Runs a command to completion with `input` on its standard input; returns the exit status and the
/// combined output.
func runTool(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil,
    timeout: Duration = .seconds(60)
) async throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let output = Pipe()
    let stdin = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    // Read while it runs, so a full pipe cannot block it; on a thread of its own: a blocking read on one of
    // the cooperative pool's threads (as many as cores) stalls every other suite of the run meanwhile.
    let reader = Task {
        await withCheckedContinuation { (continuation: CheckedContinuation<Data, Never>) in
            Thread { continuation.resume(returning: output.fileHandleForReading.readDataToEndOfFile()) }.start()
        }
    }
    let deadline = ContinuousClock.now + timeout
    while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        throw TestFailure("\(executable) \(arguments) did not finish within \(timeout)")
    }
    let data = await reader.value
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
