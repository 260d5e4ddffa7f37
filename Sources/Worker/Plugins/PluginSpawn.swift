import Foundation

/// A started plugin program: its pid (also its process group id) and the parent's ends of its pipes,
/// all non-blocking and close-on-exec.
struct PluginChild: Sendable {
    var pid: pid_t
    var stdin: Int32
    var stdout: Int32
    var stderr: Int32

    /// Starts `executable` with `arguments` and `environment`, as the leader of a new process group (so a
    /// timeout can kill everything it started with one `kill(-pid)`), with default signal dispositions and
    /// an empty signal mask, and no inherited descriptor but its three pipes. An argv array, never a shell.
    /// - Throws: `PluginSpawnError` with the C library's reason.
    static func spawn(executable: String, arguments: [String] = [], environment: [String: String]) throws -> PluginChild {
        PosixExtras.ignoreBrokenPipes()
        var pipes: [[Int32]] = []
        func closeAll() { for pipe in pipes { for fd in pipe { close(fd) } } }
        for _ in 0..<3 {
            guard let pipe = PosixExtras.closeOnExecPipe() else {
                let code = errno
                closeAll()
                throw PluginSpawnError(message: "cannot create a pipe: \(String(cString: strerror(code)))", code: code)
            }
            pipes.append(pipe)
        }
        // pipes[n] = [read, write]: the child reads stdin and writes stdout and stderr.
        let (stdinPipe, stdoutPipe, stderrPipe) = (pipes[0], pipes[1], pipes[2])

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        // The worker's own descriptors (Redis sockets...) are not the plugin's business.
        PosixExtras.closeFrom(3, in: &actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = CStringArray([executable] + arguments)
        let envp = CStringArray(environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv.pointers, envp.pointers)
        close(stdinPipe[0])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard status == 0 else {
            close(stdinPipe[1])
            close(stdoutPipe[0])
            close(stderrPipe[0])
            throw PluginSpawnError(
                message: "cannot start \(executable): \(String(cString: strerror(status)))", code: status)
        }
        for fd in [stdinPipe[1], stdoutPipe[0], stderrPipe[0]] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        return PluginChild(pid: pid, stdin: stdinPipe[1], stdout: stdoutPipe[0], stderr: stderrPipe[0])
    }
}

/// The program could not be started at all.
struct PluginSpawnError: Error, CustomStringConvertible {
    var message: String
    /// The errno value.
    var code: Int32
    var description: String { message }
}

/// NUL-terminated C strings for `posix_spawn`, freed with the array.
private final class CStringArray {
    let pointers: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        pointers = strings.map { strdup($0) } + [nil]
    }

    deinit {
        for pointer in pointers { free(pointer) }
    }
}

/// glibc functions the Swift Glibc module does not import (they are behind `_GNU_SOURCE`), looked up at
/// run time, with a fallback where the C library lacks them.
enum PosixExtras {
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// A pipe whose ends are close-on-exec from the start: set later, a concurrent spawn in another thread
    /// could inherit them, and a long-lived plugin holding another's pipe would keep its reader from EOF.
    static func closeOnExecPipe() -> [Int32]? {
        var fds: [Int32] = [-1, -1]
        let result: Int32
        if let symbol = dlsym(nil, "pipe2") {
            let pipe2 = unsafeBitCast(symbol, to: Pipe2.self)
            result = fds.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return -1 }
                return pipe2(base, O_CLOEXEC)
            }
        } else {
            result = pipe(&fds)
            if result == 0 { for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) } }
        }
        return result == 0 ? fds : nil
    }

    /// Closes every descriptor from `lowest` up in the child (glibc 2.34+; older ones rely on close-on-exec).
    static func closeFrom(_ lowest: Int32, in actions: inout posix_spawn_file_actions_t) {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return }
        let addCloseFrom = unsafeBitCast(symbol, to: AddCloseFrom.self)
        _ = addCloseFrom(&actions, lowest)
    }

    /// Writing to the pipe of a plugin that exited must fail with EPIPE, not kill the worker. Children get
    /// the default disposition back (`POSIX_SPAWN_SETSIGDEF`).
    static func ignoreBrokenPipes() { _ = brokenPipesIgnored }

    private static let brokenPipesIgnored: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return true
    }()
}
