import Foundation
import Shared
import Testing

@testable import Worker

/// dynamo.tasks.recursive_navigate: one level per task, the rest as `discover` entries.
@Suite struct DiscoveryTaskTests {
    @Test func listsOneLevelAndAsksForTheNonEmptySubdirectories() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let root = sandbox.mount + "/tree"
        try sandbox.write("tree/a.txt", "12345")
        try sandbox.write("tree/sub/b.txt", "bb")
        try sandbox.write("tree/sub/deeper/c.txt", "c")
        try FileManager.default.createDirectory(atPath: root + "/empty", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: root + "/sub")
        try sandbox.write("tree/.snapshots/s1/a.txt", "snapshot copy")
        let single = try sandbox.write("single.txt", "abc")

        let outcome = try await sandbox.run(
            "dynamo.tasks.recursive_navigate", paths: [PathItem(path: root + "/"), PathItem(path: single)], function: .discovery)
        // The directory first, then its entries in directory order: compare them sorted.
        let items = [outcome.passedOn[0]] + outcome.passedOn[1..<5].sorted { $0.path < $1.path } + [outcome.passedOn[5]]
        #expect(items.map(\.path) == [root, root + "/a.txt", root + "/empty", root + "/link", root + "/sub", single])
        #expect(items.map(\.type) == ["directory", "file", "directory", "symlink", "directory", "file"])
        #expect(items.map(\.size) == [nil, 5, nil, nil, nil, 3])
        #expect(outcome.discover == [root + "/sub"])
        #expect(outcome.status.summary["processed"] == 6)

        // The child for "sub" does not report "sub" again.
        let child = try await sandbox.run(
            "dynamo.tasks.recursive_navigate", paths: [PathItem(path: root + "/sub")], kwargs: ["child": .bool(true)],
            function: .discovery)
        #expect(child.passedOn.map(\.path).sorted() == [root + "/sub/b.txt", root + "/sub/deeper"])
        #expect(child.discover == [root + "/sub/deeper"])
    }

    @Test func missingPathsFailUnlessSkipMissing() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let missing = sandbox.mount + "/not-here"
        let failed = try await sandbox.run("dynamo.tasks.recursive_navigate", [missing])
        #expect(failed.paths(.failures) == [missing])
        #expect(failed.passedOn.isEmpty)

        let passed = try await sandbox.run("dynamo.tasks.recursive_navigate", [missing], kwargs: ["skip_missing": .string("true")])
        #expect(passed.passedOn == [PathItem(path: missing)])
        #expect(passed.paths(.skipped) == [missing])
        let alias = try await sandbox.run("dynamo.tasks.recursive_navigate", [missing], kwargs: ["allow_missing_paths": .bool(true)])
        #expect(alias.passedOn.map(\.path) == [missing])
        let strict = try await sandbox.run("dynamo.tasks.recursive_navigate", [missing], kwargs: ["allow_missing_paths": .bool(false)])
        #expect(strict.paths(.failures) == [missing])
        await #expect {
            try await sandbox.run("dynamo.tasks.recursive_navigate", [missing], kwargs: ["skip_missing": .int(3)])
        } throws: { "\($0)".contains("'skip_missing'") }
    }

    /// 100,000 files in one directory are all listed, each once (the time is printed, not asserted:
    /// speed is measured by `make bench`).
    @Test func listsAHundredThousandFiles() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let directory = sandbox.mount + "/big"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for index in 0..<100_000 {
            let fd = open("\(directory)/f\(index)", O_CREAT | O_WRONLY, 0o644)
            if fd >= 0 { close(fd) }
        }
        let started = ContinuousClock.now
        let outcome = try await sandbox.run("dynamo.tasks.recursive_navigate", [directory])
        let elapsed = ContinuousClock.now - started
        #expect(outcome.passedOn.count == 100_001)
        #expect(Set(outcome.passedOn.map(\.path)).count == 100_001, "an item was listed twice")
        print("recursive_navigate listed 100,000 files in \(elapsed)")
    }
}
