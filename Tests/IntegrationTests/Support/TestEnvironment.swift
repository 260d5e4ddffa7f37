import Foundation
import Synchronization

/// Where the test servers and built executables are. `make test` exports these; the defaults match
/// `scripts/services.sh`, so a plain `swift test` after `scripts/services.sh start` works too. Nothing is
/// skipped when a server is missing: the tests fail and say what to start.
enum TestEnvironment {
    static var redisURL: String {
        ProcessInfo.processInfo.environment["NGENEA_TEST_REDIS_URL"] ?? "redis://127.0.0.1:56379/0"
    }

    static var databaseURL: String {
        ProcessInfo.processInfo.environment["NGENEA_TEST_DATABASE_URL"] ?? "postgres://ngenea@127.0.0.1:55432/ngenea_test"
    }

    /// The directory holding `ngeneahub`, `ngenea-worker` and `ngsim`.
    static var binDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["NGENEA_BIN_DIR"] { return dir }
        // The test runner lives in the same build products directory as the executables.
        var url = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("ngeneahub").path) {
                return url.path
            }
        }
        return FileManager.default.currentDirectoryPath + "/.build/debug"
    }

    static func executable(_ name: String) -> String { binDirectory + "/" + name }

    /// Ports handed out in this test process: tests run in parallel, and each must get its own.
    private static let issuedPorts = Mutex<Set<Int>>([])

    /// A TCP port on 127.0.0.1 that nothing is bound to and no other test of this process was given. It is
    /// picked below the kernel's ephemeral range (32768 and up): a port the kernel hands out, closed and
    /// returned, could be handed out again, or taken as the local end of some process's connection, before
    /// the hub binds it. Both happened on a loaded CI machine (a hub failed to bind; another test's client
    /// then reached the wrong hub).
    static func freePort() throws -> Int {
        for _ in 0..<1000 {
            let port = Int.random(in: 20_000..<32_000)
            guard issuedPorts.withLock({ $0.insert(port).inserted }) else { continue }
            if try canBind(port) { return port }
        }
        throw TestFailure("no free port between 20000 and 32000")
    }

    private static func canBind(_ port: Int) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return bound == 0
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
