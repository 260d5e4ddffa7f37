import Foundation
import Shared
import Testing

@testable import Worker

/// migrate, recall, reverse_stub, unmanage and ngenea_sync_metadata against the real ngsim tools.
@Suite struct NgeneaTaskTests {
    @Test func migrateMakesStubsAndRecallRestoresTheData() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let a = try sandbox.write("data/a.txt", String(repeating: "alpha ", count: 1000))
        let b = try sandbox.write("data/b.txt", "bravo")
        let hashA = try await sandbox.sha256(a)
        let hashB = try await sandbox.sha256(b)

        let migrated = try await sandbox.run(
            "dynamo.tasks.migrate", paths: [PathItem(path: a, size: 6000), PathItem(path: b, size: 5)],
            kwargs: ["stub_size": .string("0"), "lock_level": .string("implicit")])
        #expect(migrated.status.summary == ["processed": 2])
        #expect(migrated.status.files(in: .processed).map(\.size) == [6000, 5])
        #expect(migrated.passedOn.map(\.path) == [a, b])
        #expect(try await sandbox.state(a) == "migrated")
        #expect(try await sandbox.state(b) == "migrated")
        #expect(sandbox.read(sandbox.target + "/mmfs1/data/a.txt@data") == String(repeating: "alpha ", count: 1000))

        // Migrating again: already offline, its remote metadata is synced (migrate_offline_files false).
        let again = try await sandbox.run("dynamo.tasks.migrate", [a])
        #expect(again.paths(.processed) == [a])
        #expect(again.message(a) == "remote metadata updated")
        let offline = try await sandbox.run("dynamo.tasks.migrate", [a], kwargs: ["migrate_offline_files": .bool(true)])
        #expect(offline.paths(.skipped) == [a])

        let recalled = try await sandbox.run("dynamo.tasks.recall", [a, b], kwargs: ["skip_hash": .string("false")])
        #expect(recalled.status.summary == ["processed": 2])
        #expect(try await sandbox.state(a) == "resident")
        #expect(try await sandbox.sha256(a) == hashA)
        #expect(try await sandbox.sha256(b) == hashB)
    }

    @Test func premigrateKeepsTheDataAndUnmanageEndsTheLink() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let file = try sandbox.write("p.txt", "premigrated content")
        let outcome = try await sandbox.run("dynamo.tasks.migrate", [file], kwargs: ["pre_migrate": .string("true")])
        #expect(outcome.paths(.processed) == [file])
        #expect(try await sandbox.state(file) == "premigrated")
        #expect(sandbox.read(file) == "premigrated content")

        let unmanaged = try await sandbox.run("dynamo.tasks.unmanage", [file], kwargs: ["no_flock": .bool(true)])
        #expect(unmanaged.paths(.processed) == [file])
        #expect(try await sandbox.state(file) == "resident")
        let again = try await sandbox.run("dynamo.tasks.unmanage", [file])
        #expect(again.paths(.skipped) == [file])
    }

    /// Site 1 migrates into a target that site 2 shares; site 2 makes a stub from the object, then
    /// recalls it and gets the same bytes.
    @Test func reverseStubOnASecondSite() async throws {
        let first = try await ToolSandbox(name: "s1")
        defer { first.remove() }
        let second = try await ToolSandbox(name: "s2", root: first.root, sharedTarget: first.target)
        let source = try first.write("shared/doc.txt", String(repeating: "payload ", count: 500))
        let hash = try await first.sha256(source)
        _ = try await first.run("dynamo.tasks.migrate", [source], kwargs: ["premigrate": .bool(true)])

        let local = second.mount + "/shared/doc.txt"
        let stub = try await second.run(
            "dynamo.tasks.reverse_stub", [local], kwargs: ["extra_flags": .array([.string("--skip-check-uuid")])])
        #expect(stub.paths(.processed) == [local])
        #expect(try await second.state(local) == "migrated")
        let again = try await second.run("dynamo.tasks.reverse_stub", [local])
        #expect(again.paths(.skipped) == [local])

        let recalled = try await second.run("dynamo.tasks.recall", [local])
        #expect(recalled.paths(.processed) == [local])
        #expect(try await second.sha256(local) == hash)

        // No object for this path: the file fails.
        let unknown = second.mount + "/shared/never-sent.txt"
        let missing = try await second.run("dynamo.tasks.reverse_stub", [unknown], kwargs: ["hydrate": .bool(true)])
        #expect(missing.paths(.failures) == [unknown])
    }

    @Test func injectedFailuresAndAbortsLandInTheirStates() async throws {
        var sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let good = try sandbox.write("good.txt", "ok")
        let bad = try sandbox.write("bad-1.txt", "no")
        let dropped = try sandbox.write("drop.txt", "later")
        let missing = sandbox.mount + "/missing.txt"
        sandbox.extraEnvironment = ["NGSIM_FAIL": "*/bad-*", "NGSIM_ABORT": "*/drop.txt"]
        let outcome = try await sandbox.run("dynamo.tasks.migrate", [good, bad, dropped, missing])
        #expect(outcome.paths(.processed) == [good])
        #expect(outcome.paths(.failures) == [bad, missing])
        #expect(outcome.paths(.aborted) == [dropped])
        #expect(outcome.message(bad) == "injected failure")
        #expect(outcome.message(dropped) == "injected abort")
        #expect(outcome.message(missing) == "No such file or directory")
        #expect(outcome.passedOn.map(\.path) == [good])

        sandbox.extraEnvironment = [:]
        let other = try sandbox.write("other.txt", "x")
        let aborted = try await sandbox.run("dynamo.tasks.migrate", [other, missing], kwargs: ["abort_missing": .bool(true)])
        #expect(aborted.paths(.aborted) == [missing])
    }

    /// The tool dies (SIGKILL) at the third file: the two reported files keep their outcome, the rest
    /// fail with the reason; the task itself does not fail.
    @Test func aCrashMidBatchFailsOnlyTheUnreportedFiles() async throws {
        var sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let files = try (1...5).map { try sandbox.write("f\($0).txt", "file \($0)") }
        sandbox.extraEnvironment = ["NGSIM_CRASH": "*/f3.txt"]
        let outcome = try await sandbox.run("dynamo.tasks.migrate", files)
        #expect(outcome.paths(.processed) == Array(files[0..<2]))
        #expect(outcome.paths(.failures) == Array(files[2...]))
        let message = try #require(outcome.message(files[3]))
        #expect(message.contains("ngmigrate exited before reporting this file"))
        #expect(message.contains("SIGKILL"))
        #expect(outcome.logs.contains { $0.contains("before reporting 3 of 5 files") })
        #expect(try await sandbox.state(files[0]) == "migrated")
        #expect(try await sandbox.state(files[3]) == "resident")
    }

    /// `sub_batch` runs the tool once per chunk: a crash in the second chunk leaves the first chunk's
    /// and the third chunk's outcomes alone.
    @Test func subBatchRunsSequentialChunks() async throws {
        var sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let files = try (1...6).map { try sandbox.write("s\($0).txt", "sub \($0)") }
        sandbox.extraEnvironment = ["NGSIM_CRASH": "*/s3.txt"]
        let outcome = try await sandbox.run("dynamo.tasks.migrate", files, kwargs: ["sub_batch": .int(2)])
        #expect(outcome.paths(.processed) == [files[0], files[1], files[4], files[5]])
        #expect(outcome.paths(.failures) == [files[2], files[3]])
    }

    @Test func usageAndEnvironmentErrorsFailTheTask() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let file = try sandbox.write("u.txt", "u")
        await #expect {
            try await sandbox.run("dynamo.tasks.migrate", [file], kwargs: ["endpoint": .string("nowhere")])
        } throws: { error in
            let text = "\(error)"
            return text.contains("ngmigrate exited with status 3") && text.contains("unknown target 'nowhere'")
        }
        await #expect {
            try await sandbox.run("dynamo.tasks.unmanage", [file], kwargs: ["storage_key": .string("k*")])
        } throws: { "\($0)".contains("ngunmanage exited with status 2") }
    }

    @Test func aKwargOfTheWrongTypeFailsTheTaskWithItsName() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let file = try sandbox.write("k.txt", "k")
        await #expect {
            try await sandbox.run("dynamo.tasks.migrate", [file], kwargs: ["stub_size": .string("big")])
        } throws: { "\($0)".contains("'stub_size'") }
        await #expect {
            try await sandbox.run("dynamo.tasks.recall", [file], kwargs: ["skip_hash": .string("maybe")])
        } throws: { "\($0)".contains("'skip_hash'") }
        await #expect {
            try await sandbox.run("dynamo.tasks.migrate", [file], kwargs: ["lock_level": .string("total")])
        } throws: { "\($0)".contains("'lock_level'") }
        await #expect {
            try await sandbox.run("dynamo.tasks.reverse_stub", [file], kwargs: ["extra_flags": .string("--x")])
        } throws: { "\($0)".contains("'extra_flags'") }
        // Unknown kwargs are ignored.
        let outcome = try await sandbox.run("dynamo.tasks.migrate", [file], kwargs: ["colour": .string("blue")])
        #expect(outcome.paths(.processed) == [file])
        #expect(try await sandbox.state(file) == "migrated")
    }

    @Test func syncMetadataTouchesOnlyManagedFiles() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let offline = try sandbox.write("m.txt", "migrated")
        let premigrated = try sandbox.write("p.txt", "premigrated")
        let resident = try sandbox.write("r.txt", "resident")
        _ = try await sandbox.run("dynamo.tasks.migrate", [offline])
        _ = try await sandbox.run("dynamo.tasks.migrate", [premigrated], kwargs: ["premigrate": .bool(true)])
        let outcome = try await sandbox.run("dynamo.tasks.ngenea_sync_metadata", [offline, premigrated, resident])
        #expect(outcome.paths(.processed) == [offline])
        #expect(outcome.paths(.skipped) == [premigrated, resident])
        #expect(try await sandbox.state(resident) == "resident")
        #expect(try await sandbox.state(premigrated) == "premigrated")
    }

    @Test func aMissingToolFailsTheTask() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        var settings = sandbox.settings
        settings.commands["ngmigrate"] = sandbox.root + "/no-such-tool"
        let task = try #require(TaskTable.builtIn(tools: settings).task(named: "dynamo.tasks.migrate"))
        let envelope = TaskEnvelope(
            taskID: "t", jobID: 1, task: "dynamo.tasks.migrate", queue: try QueueName(parsing: "s1.default#worker"),
            paths: [PathItem(path: sandbox.mount + "/x")])
        await #expect { try await task.run(envelope, started: Date()) } throws: { "\($0)".contains("not an executable file") }
    }

    @Test func aHugeBatchGoesThroughTheListFile() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        // Long names: as argv these would pass the kernel's limit for one argument list (2 MiB).
        let directory = sandbox.mount + "/many"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let stem = String(repeating: "n", count: 200)
        let names = (0..<12_000).map { "\(directory)/\(stem)-\($0)" }
        let outcome = try await sandbox.run("dynamo.tasks.unmanage", names)
        // Missing files: one failure line each, all attributed in order.
        #expect(outcome.paths(.failures) == names)
    }
}
