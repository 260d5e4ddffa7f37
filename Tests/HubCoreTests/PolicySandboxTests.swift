import Foundation
import Glibc
import HubCore
import Shared
import Testing

/// Everything the compiler emits runs in the sandbox's mmapplypolicy (`ngsim`), and selects what it says.
@Suite(.enabled(if: PolicySandbox.binary != nil, "ngsim not built (set NGENEA_BIN_DIR)"))
struct PolicySandboxTests {
    @Test func everyGoldenPolicyParsesAndRunsInTheSandbox() throws {
        let sandbox = try PolicySandbox()
        defer { sandbox.remove() }
        let hierarchy = """
            {"name": "tiering", "site": 1, "spaces": [4, 2], "triggers": [{"pool_name": "system", "max_utilisation": 40},
             {"pool_name": "nearline", "max_utilisation": 80}, {"pool_name": "sas1"}], "order": {"by": "file_size", "reverse": true},
             "condition_groups": [{"name": "g", "date_conditions": [{"age": "2 weeks", "date_field": "modified"}],
                                   "filetype_conditions": [{"filetypes": ["tmp"], "include": false}]}]}
            """
        for body in [PolicyExamples.post, PolicyExamples.watermarks, hierarchy] {
            let compiled = try PolicyCompiler.compile(try PolicyDefinition.parse(try jsonObject(body)), context: sandbox.context)
            let run = try sandbox.apply(compiled.text, mode: "test")
            #expect(run.status == 0, "\(compiled.text)\n\(run.stderr)")
        }
    }

    /// An old, big file under `archive_2024` is chosen; the same file under `archiveX2024` (which an
    /// unescaped `_` would also match), a young one, a small one and a migrated stub are not.
    @Test func theWhereClauseSelectsExactlyTheMatchingFiles() throws {
        let sandbox = try PolicySandbox()
        defer { sandbox.remove() }
        let old = Date().timeIntervalSince1970 - 400 * 86_400
        let chosen = try sandbox.write("archive_2024/old.png", size: 2 << 20, accessed: old)
        try sandbox.write("archiveX2024/old.png", size: 2 << 20, accessed: old)
        try sandbox.write("archive_2024/young.png", size: 2 << 20, accessed: nil)
        try sandbox.write("archive_2024/small.png", size: 1000, accessed: old)
        try sandbox.write("archive_2024/old.txt", size: 2 << 20, accessed: old)
        let stub = try sandbox.write("projects/stub.jpg", size: 2 << 20, accessed: old)
        try PolicySandbox.ngsim(["ngmigrate", stub], environment: sandbox.environment)
        try sandbox.setAccessTime(stub, old)

        var policy = try PolicyDefinition.parse(try jsonObject(PolicyExamples.watermarks))
        policy.triggers = [PolicyTrigger(poolName: "sas1", isCloud: true)]
        let compiled = try PolicyCompiler.compile(policy, context: sandbox.context)
        let run = try sandbox.apply(compiled.text, mode: "defer")
        #expect(run.status == 0, "\(run.stderr)")
        let list = try String(contentsOfFile: sandbox.prefix + ".list.ngenea", encoding: .utf8)
        #expect(list.split(separator: "\n").map { String($0.split(separator: " ").last ?? "") } == [chosen])
        #expect(list.contains("  2097152 -- "), "SHOW carries the size: \(list)")
    }
}

/// A throwaway ngsim site whose filesystem has the context's pools and spaces.
struct PolicySandbox {
    let root: String
    var site: String { root + "/site" }
    var mount: String { site + "/mmfs1" }
    var prefix: String { root + "/chosen" }

    static let binary: String? = {
        var directories: [String] = []
        if let env = ProcessInfo.processInfo.environment["NGENEA_BIN_DIR"], !env.isEmpty { directories.append(env) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().standardizedFileURL
        for _ in 0..<6 {
            directories += [directory.path, directory.appendingPathComponent("debug").path]
            directory = directory.deletingLastPathComponent()
        }
        return directories.map { $0 + "/ngsim" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("policy-sandbox-\(UUID().uuidString)").path
        try Self.ngsim(["init", root + "/site", "--site", "s1", "--pool", "sas1=1G", "--pool", "system=1G", "--pool", "nearline=1G"])
        for space in ["projects", "archive_2024", "archiveX2024", "it's 100%"] {
            try FileManager.default.createDirectory(atPath: mount + "/" + space, withIntermediateDirectories: true)
        }
    }

    var context: PolicySiteContext {
        PolicySiteContext(
            site: 1, filesystems: [PolicySiteContext.Filesystem(name: "mmfs1", mount: mount, pools: ["sas1", "system", "nearline"])],
            spaces: [2: mount + "/projects", 3: mount + "/archive_2024", 4: mount + "/it's 100%"])
    }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NGSIM_") }
        environment["NGSIM_SITE"] = site
        return environment
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    @discardableResult
    func write(_ relative: String, size: Int, accessed: Double?) throws -> String {
        let path = mount + "/" + relative
        try Data(repeating: 0x61, count: size).write(to: URL(fileURLWithPath: path))
        if let accessed { try setAccessTime(path, accessed) }
        return path
    }

    func setAccessTime(_ path: String, _ seconds: Double) throws {
        // Access and modification time both: the policies here only look at the access time.
        var times = [timespec(tv_sec: Int(seconds), tv_nsec: 0), timespec(tv_sec: Int(seconds), tv_nsec: 0)]
        guard utimensat(AT_FDCWD, path, &times, 0) == 0 else { throw PolicySandboxError("utimensat \(path): errno \(errno)") }
    }

    /// `mmapplypolicy MOUNT -P <policy> -I <mode> -f <prefix>`.
    func apply(_ policy: String, mode: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let file = root + "/policy.pol"
        try policy.write(toFile: file, atomically: true, encoding: .utf8)
        return try Self.run(["mmapplypolicy", mount, "-P", file, "-I", mode, "-f", prefix], environment: environment)
    }

    @discardableResult
    static func ngsim(_ arguments: [String], environment: [String: String]? = nil) throws -> String {
        let result = try run(arguments, environment: environment)
        guard result.status == 0 else { throw PolicySandboxError("ngsim \(arguments) exited \(result.status): \(result.stderr)") }
        return result.stdout
    }

    static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        guard let binary else { throw PolicySandboxError("ngsim not found") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = environment ?? ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NGSIM_") }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }
}

struct PolicySandboxError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
