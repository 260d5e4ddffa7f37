import Foundation
import Glibc
import Shared
import Testing

@testable import Worker

/// dynamo.tasks.policy_scan against the sandbox's mmapplypolicy, with policies written the way the hub's
/// compiler writes them (Tests/HubCoreTests/PolicyCompilerTests.swift has the compiler's goldens).
@Suite struct PolicyScanTaskTests {
    static let task = "dynamo.tasks.policy_scan"

    /// A LIKE pattern for everything under `directory` (the compiler's escaping).
    func under(_ directory: String) -> String {
        var pattern = ""
        for character in directory {
            if character == "_" || character == "%" || character == "\\" { pattern.append("\\") }
            pattern.append(character)
        }
        return "PATH_NAME LIKE '\(pattern.replacingOccurrences(of: "'", with: "''"))/%' ESCAPE '\\'"
    }

    @discardableResult
    func file(_ sandbox: ToolSandbox, _ relative: String, size: Int, daysSinceAccess: Double? = nil) throws -> String {
        let path = sandbox.mount + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(repeating: 0x61, count: size).write(to: URL(fileURLWithPath: path))
        if let days = daysSinceAccess {
            let seconds = Int(Date().timeIntervalSince1970 - days * 86_400)
            var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
            guard utimensat(AT_FDCWD, path, &times, 0) == 0 else { throw SandboxError("utimensat \(path): errno \(errno)") }
        }
        return path
    }

    @Test func anAgeAndSizeConditionSelectsExactlyTheMatchingFiles() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let projects = sandbox.mount + "/projects"
        let archive = sandbox.mount + "/archive_2024"
        let chosen = [
            try file(sandbox, "projects/old-big.bin", size: 4000, daysSinceAccess: 60),
            try file(sandbox, "projects/deep/odd name %25 ü.bin", size: 5000, daysSinceAccess: 45),
            try file(sandbox, "archive_2024/old-big.bin", size: 4000, daysSinceAccess: 400),
        ]
        try file(sandbox, "projects/old-small.bin", size: 10, daysSinceAccess: 60)
        try file(sandbox, "projects/new-big.bin", size: 4000)
        try file(sandbox, "archiveX2024/old-big.bin", size: 4000, daysSinceAccess: 60)
        try file(sandbox, "other/old-big.bin", size: 4000, daysSinceAccess: 60)
        let policy = """
            /* Ngenea Hub policy for site 1, filesystem mmfs1: MIGRATION, 1 hop(s) */
            RULE EXTERNAL POOL 'ngenea' EXEC '' ESCAPE '%/'
            RULE 'system_to_ngenea' MIGRATE FROM POOL 'system' WEIGHT(KB_ALLOCATED) TO POOL 'ngenea' SHOW(VARCHAR(FILE_SIZE))
                WHERE (\(under(archive)) OR \(under(projects)))
                  AND ((CURRENT_TIMESTAMP - ACCESS_TIME) > INTERVAL '30' DAYS AND FILE_SIZE > 1000)

            """
        let outcome = try await sandbox.run(
            Self.task, paths: [],
            kwargs: ["policy": .string(policy), "directories": [.string(archive), .string(projects + "/")], "threads": 2],
            function: .discovery)
        #expect(Set(outcome.passedOn.map(\.path)) == Set(chosen))
        #expect(outcome.passedOn.allSatisfy { $0.type == "file" })
        #expect(Dictionary(uniqueKeysWithValues: outcome.passedOn.map { ($0.path, $0.size) }) == [chosen[0]: 4000, chosen[1]: 5000, chosen[2]: 4000])
        #expect(outcome.passedOn.allSatisfy { $0.additionalMetadata == ["policy_action": "migrate", "policy_pool": "ngenea"] })
        #expect(outcome.status.summary["processed"] == 3)
        #expect(outcome.logs.first?.hasPrefix("mmapplypolicy \(sandbox.mount) (threads 2): 3 files chosen") == true, "\(outcome.logs)")
        #expect(try await sandbox.states(chosen) == ["resident", "resident", "resident"], "the scan migrates nothing")
    }

    @Test func aThresholdSelectsUntilThePoolWouldBeUnderItsLowerThreshold() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        // One pool of 1M holding 300K + 200K + 100K: 58.6% used.
        try await ToolSandbox.ngsim(["init", sandbox.site, "--site", "s1", "--target", "cloud=\(sandbox.target)", "--pool", "data=1M", "--force"])
        let files = try [("a300", 300), ("b200", 200), ("c100", 100)].map { name, kb in
            try file(sandbox, "projects/\(name)", size: kb * 1024)
        }
        func scan(_ threshold: String) async throws -> TaskOutcome {
            let policy = """
                RULE EXTERNAL POOL 'ngenea' EXEC '' ESCAPE '%/'
                RULE 'data_to_ngenea' MIGRATE FROM POOL 'data' THRESHOLD(\(threshold)) WEIGHT(KB_ALLOCATED) TO POOL 'ngenea' SHOW(VARCHAR(FILE_SIZE))
                    WHERE \(under(sandbox.mount + "/projects"))
                """
            return try await sandbox.run(Self.task, paths: [PathItem(path: sandbox.mount + "/projects")], kwargs: ["policy": .string(policy)])
        }
        #expect(try await scan("70,30").passedOn.isEmpty, "58.6% is under the upper threshold")
        #expect(try await scan("50,30").passedOn.map(\.path) == [files[0]], "the biggest file takes the pool to 29.3%")
        #expect(try await scan("50,10").passedOn.map(\.path) == [files[0], files[1]])

        // With a premigrate watermark the next file is listed for pre-migration.
        let watermarks = try await scan("50,30,10")
        #expect(watermarks.passedOn.map(\.path) == [files[0], files[1]])
        #expect(watermarks.passedOn.map { $0.additionalMetadata?["policy_action"] } == ["migrate", "premigrate"])
        #expect(watermarks.passedOn.map(\.size) == [300 * 1024, 200 * 1024])

        // The hub then runs the workflow's migrate step on exactly the files to migrate.
        let migrate = try await sandbox.run("dynamo.tasks.migrate", paths: watermarks.passedOn.filter {
            $0.additionalMetadata?["policy_action"] == "migrate"
        })
        #expect(migrate.paths(.processed) == [files[0]])
        #expect(try await sandbox.states(files) == ["migrated", "resident", "resident"])
        #expect(try await scan("50,30").passedOn.isEmpty, "29.3% used now")
    }

    @Test func aToolFailureOrBadArgumentsFailTheTask() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        await #expect {
            try await sandbox.run(Self.task, paths: [], kwargs: ["policy": "RULE 'x' SET POOL 'system'", "directories": [.string(sandbox.mount)]])
        } throws: { error in
            let text = "\(error)"
            return text.contains("mmapplypolicy \(sandbox.mount) exited with status 2") && text.contains("line 1")
        }
        await #expect {
            try await sandbox.run(Self.task, paths: [], kwargs: ["policy": "RULE 'l' LIST 'l'", "directories": [.string(sandbox.mount + "/none")]])
        } throws: { "\($0)".contains("mmapplypolicy \(sandbox.mount)/none exited with status") }
        await #expect { try await sandbox.run(Self.task, [sandbox.mount]) } throws: { "\($0)".contains("kwarg 'policy'") }
        await #expect {
            try await sandbox.run(Self.task, paths: [], kwargs: ["policy": "RULE 'l' LIST 'l'"])
        } throws: { "\($0)".contains("no directories to scan") }
    }

    @Test func listLinesAndTheScanRoot() {
        #expect(PolicyScanLists.commonDirectory(["/mmfs1/a/b", "/mmfs1/a/c", "/mmfs1/a"]) == "/mmfs1/a")
        #expect(PolicyScanLists.commonDirectory(["/mmfs1/ab", "/mmfs1/ac"]) == "/mmfs1")
        #expect(PolicyScanLists.commonDirectory(["/x", "/y"]) == "/")
        let encoded = PolicyScanLists.entry(Array("12 3 0  4000 -- /mmfs1/a%20b%0Ac%25".utf8), percentEncoded: true)
        #expect(encoded?.path == "/mmfs1/a b\nc%" && encoded?.size == 4000)
        let plain = PolicyScanLists.entry(Array(#"12 3 0   -- /mmfs1/a\\b\nc"#.utf8), percentEncoded: false)
        #expect(plain?.path == "/mmfs1/a\\b\nc" && plain?.size == nil)
        #expect(PolicyScanLists.entry(Array("garbage".utf8), percentEncoded: true) == nil)
        #expect(PolicyScanLists.entry(Array("1 2 0  -- /a%zz".utf8), percentEncoded: true) == nil)
    }
}
