import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The administrator's password for `join`: asked on the terminal without echo, or the first line of
/// standard input when it is not a terminal (`echo "$PW" | ngenea-worker join --user admin`).
/// The password is only ever held in memory and sent to the hub; it is never printed.
enum PasswordReader {
    /// The terminal state to restore if Ctrl-C arrives while echo is off; written before the handler is
    /// installed and read only by it.
    nonisolated(unsafe) private static var savedState = termios()

    static func read(user: String) throws(JoinFailure) -> String {
        let line: String?
        if isatty(STDIN_FILENO) == 1 {
            line = secretLine(prompt: "\(user)'s password: ")
        } else {
            line = readLine(strippingNewline: true)
        }
        guard var password = line else { throw .usage("no password given (standard input ended)") }
        if password.hasSuffix("\r") { password.removeLast() }
        guard !password.isEmpty else { throw .usage("the password may not be empty") }
        return password
    }

    private static func secretLine(prompt: String) -> String? {
        FileHandle.standardError.write(Data(prompt.utf8))
        guard tcgetattr(STDIN_FILENO, &savedState) == 0 else { return readLine(strippingNewline: true) }
        var silent = savedState
        silent.c_lflag &= ~tcflag_t(ECHO)
        signal(SIGINT) { _ in
            tcsetattr(STDIN_FILENO, TCSANOW, &PasswordReader.savedState)
            _exit(130)
        }
        tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &savedState)
            signal(SIGINT, SIG_DFL)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true)
    }
}
