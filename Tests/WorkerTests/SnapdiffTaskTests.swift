import Foundation
import Shared
import Testing

@testable import Worker

/// dynamo.tasks.snapdiff and dynamo.tasks.rotate_snapshot over an independent ngsim fileset.
@Suite struct SnapdiffTaskTests {
    func snapdiff(_ sandbox: ToolSandbox, job: Int, task: String, kwargs: [String: JSONValue] = [:]) async throws -> TaskOutcome {
        try await sandbox.run(
            "dynamo.tasks.snapdiff", paths: [PathItem(path: sandbox.mount + "/projects")], kwargs: kwargs, function: .discovery,
            taskID: task, jobID: job)
    }

    func rotate(_ sandbox: ToolSandbox, job: Int, rollback: Bool = false) async throws -> TaskOutcome {
        try await sandbox.run(
            "dynamo.tasks.rotate_snapshot", paths: [], kwargs: ["fileset": .string("projects"), "rollback": .bool(rollback)],
            taskID: "rotate-\(job)", jobID: job)
    }

    func changes(_ outcome: TaskOutcome) -> [String: String] {
        Dictionary(outcome.passedOn.map { ($0.path, $0.state ?? "") }, uniquingKeysWith: { first, _ in first })
    }

    @Test func firstRunRotateChangesAndRollback() async throws {
        let sandbox = try await ToolSandbox(filesets: ["projects"])
        defer { sandbox.remove() }
        let p = sandbox.mount + "/projects"
        try sandbox.write("projects/a.txt", "aaaa")
        try sandbox.write("projects/dir/b.txt", "bb")
        try sandbox.write("projects/gone.txt", "x")
        try sandbox.write("outside.txt", "not in the fileset")

        // First run: everything in the fileset is created.
        let first = try await snapdiff(sandbox, job: 1, task: "d-1", kwargs: ["extra_fields": .array([.string("inode")])])
        #expect(changes(first) == [p + "/a.txt": "created", p + "/dir": "created", p + "/dir/b.txt": "created", p + "/gone.txt": "created"])
        let a = try #require(first.passedOn.first { $0.path == p + "/a.txt" })
        #expect(a.type == "file" && a.size == 4)
        #expect(a.additionalMetadata?["inode"] != nil)
        #expect(first.passedOn.first { $0.path == p + "/dir" }?.type == "directory")

        // The fileset is locked until the job ends; a redelivery of the same task gets the same answer.
        await #expect { try await snapdiff(sandbox, job: 2, task: "d-2") } throws: { "\($0)".contains("SnapdiffLockError") }
        let redelivered = try await snapdiff(sandbox, job: 1, task: "d-1")
        #expect(changes(redelivered) == changes(first))
        _ = try await rotate(sandbox, job: 1)

        // Changes since the rotated snapshot.
        try FileManager.default.moveItem(atPath: p + "/a.txt", toPath: p + "/dir/a-moved.txt")
        try FileManager.default.removeItem(atPath: p + "/gone.txt")
        try sandbox.write("projects/new.txt", "new")
        let second = try await snapdiff(sandbox, job: 2, task: "d-3", kwargs: ["condense_moves": .string("false")])
        let found = changes(second)
        #expect(found[p + "/dir/a-moved.txt"] == "moved")
        #expect(second.passedOn.first { $0.state == "moved" }?.source == p + "/a.txt")
        #expect(found[p + "/gone.txt"] == "deleted")
        #expect(found[p + "/new.txt"] == "created")
        #expect(found.keys.allSatisfy { $0.hasPrefix(p + "/") })

        // Rolled back: the next run sees the same changes again.
        _ = try await rotate(sandbox, job: 2, rollback: true)
        let again = try await snapdiff(sandbox, job: 3, task: "d-4", kwargs: ["condense_moves": .string("false")])
        #expect(changes(again)[p + "/dir/a-moved.txt"] == "moved")
        #expect(changes(again)[p + "/new.txt"] == "created")
        _ = try await rotate(sandbox, job: 3)
        let quiet = try await snapdiff(sandbox, job: 4, task: "d-5")
        #expect(quiet.passedOn.isEmpty)
        _ = try await rotate(sandbox, job: 4)
        let snapshots = try await ToolSandbox.ngsim(["mmlssnapshot", "mmfs1", "-j", "projects", "-Y"], environment: sandbox.environment)
        #expect(snapshots.split(separator: "\n").count == 2, "only the last synced snapshot is kept: \(snapshots)")
    }

    @Test func aStaleLockIsTakenOverAndAnotherJobCannotRotate() async throws {
        let sandbox = try await ToolSandbox(filesets: ["projects"])
        defer { sandbox.remove() }
        try sandbox.write("projects/a.txt", "a")
        _ = try await snapdiff(sandbox, job: 1, task: "d-1")
        await #expect { try await rotate(sandbox, job: 9) } throws: { "\($0)".contains("held by job 1") }
        let takeover = try await snapdiff(sandbox, job: 2, task: "d-2", kwargs: ["lock_threshold": .int(0)])
        #expect(takeover.passedOn.map(\.path) == [sandbox.mount + "/projects/a.txt"])
        _ = try await rotate(sandbox, job: 2)
        await #expect {
            try await sandbox.run("dynamo.tasks.snapdiff", paths: [PathItem(path: sandbox.mount + "/outside")], function: .discovery)
        } throws: { "\($0)".contains("independent fileset") }
    }
}
