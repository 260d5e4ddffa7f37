import ArgumentParser
import Foundation

/// Why `ngenea-worker join` stopped: a message for the administrator and the exit status
/// (2: bad usage or configuration, fixable on the command line; 1: the hub refused or could not be reached).
struct JoinFailure: Error, CustomStringConvertible {
    var message: String
    var status: Int32

    static func usage(_ message: String) -> JoinFailure { JoinFailure(message: message, status: 2) }
    static func failed(_ message: String) -> JoinFailure { JoinFailure(message: message, status: 1) }

    var description: String { message }

    /// Says why on standard error and exits with the status.
    func exit() -> ExitCode {
        FileHandle.standardError.write(Data("ngenea-worker join: \(message)\n".utf8))
        return ExitCode(status)
    }
}
