import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reading from the terminal for `createsuperuser`: prompts on standard error, passwords without echo.
enum TerminalInput {
    static var standardInputIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// The terminal state to put back if the user presses Ctrl-C while echo is off. Written before the
    /// handler is installed and read only by it.
    nonisolated(unsafe) private static var savedState = termios()

    /// One line from standard input (without the newline); nil at end of input.
    static func line(prompt: String? = nil) -> String? {
        if let prompt { FileHandle.standardError.write(Data(prompt.utf8)) }
        return readLine(strippingNewline: true).map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
    }

    /// A line read with echo off when standard input is a terminal.
    static func secret(prompt: String) -> String? {
        guard standardInputIsTerminal, tcgetattr(STDIN_FILENO, &savedState) == 0 else { return line(prompt: prompt) }
        var silent = savedState
        silent.c_lflag &= ~tcflag_t(ECHO)
        signal(SIGINT) { _ in
            tcsetattr(STDIN_FILENO, TCSANOW, &TerminalInput.savedState)
            _exit(130)
        }
        // TCSANOW, not TCSAFLUSH: input typed (or piped through a pty) ahead of the prompt is kept.
        tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &savedState)
            signal(SIGINT, SIG_DFL)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return line(prompt: prompt)
    }
}
