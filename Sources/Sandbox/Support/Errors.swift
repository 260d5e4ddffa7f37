/// Exit codes of the output contract (docs/sandbox.md, "Exit codes").
enum ExitCode {
    /// Every file processed or skipped (or a listing/snapshot command succeeded).
    static let ok: Int32 = 0
    /// At least one file failed or was aborted, or a GPFS-style operation failed.
    static let fileErrors: Int32 = 1
    /// Bad command line: nothing was done.
    static let usage: Int32 = 2
    /// Environment or configuration error (no site, bad config, unknown target/filesystem): nothing was done.
    static let environment: Int32 = 3
}

/// An error that ends the whole command with a documented exit code.
struct SimError: Error {
    let code: Int32
    let message: String

    static func usage(_ message: String) -> SimError { SimError(code: ExitCode.usage, message: message) }
    static func environment(_ message: String) -> SimError { SimError(code: ExitCode.environment, message: message) }
    static func failure(_ message: String) -> SimError { SimError(code: ExitCode.fileErrors, message: message) }
}

/// An error that fails one file of a batch; the batch goes on with the next file.
struct FileError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
