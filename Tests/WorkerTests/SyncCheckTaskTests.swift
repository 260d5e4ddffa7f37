import Foundation
import Shared
import Testing

@testable import Worker

/// stat_paths and check_sync_state: the two halves of comparing a file with another site's copy.
@Suite struct SyncCheckTaskTests {
    /// Sets a file's modification time (seconds since the epoch).
    func touch(_ path: String, _ seconds: Int) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: TimeInterval(seconds))], ofItemAtPath: path)
    }

    @Test func statPathsAnswersInInputOrderWithNullForMissing() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let file = try sandbox.write("a/file.txt", "12345")
        try touch(file, 1_700_000_000)
        let missing = sandbox.mount + "/a/missing"
        let outcome = try await sandbox.run("dynamo.tasks.stat_paths", [missing, file, sandbox.mount + "/a"])
        guard case .object(let output)? = outcome.output, case .array(let stats)? = output["stats"] else {
            Issue.record("no stats: \(String(describing: outcome.output))")
            return
        }
        #expect(stats.count == 3)
        #expect(stats[0] == .null)
        #expect(stats[1] == .object(["type": "file", "size": 5, "mtime_ns": .int(1_700_000_000 * 1_000_000_000)]))
        #expect(stats[2].objectValue?["type"] == "directory")
        #expect(outcome.passedOn.isEmpty, "the paths are the other site's: nothing goes on from here")
        #expect(outcome.status.summary.isEmpty)
    }

    @Test func newestPassesOnlyFilesNewerThanTheOtherSitesOrAbsentThere() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let newer = try sandbox.write("s/newer", "n"), older = try sandbox.write("s/older", "o")
        let same = try sandbox.write("s/same", "s"), only = try sandbox.write("s/only-here", "h")
        for path in [newer, older, same, only] { try touch(path, 2_000) }
        let gone = sandbox.mount + "/s/gone"
        func stat(_ seconds: Int64) -> JSONValue { .object(["type": "file", "size": 1, "mtime_ns": .int(seconds * 1_000_000_000)]) }
        let remote: JSONValue = .object([newer: stat(1_000), older: stat(3_000), same: stat(2_000), only: .null, gone: stat(1)])
        let outcome = try await sandbox.run(
            "dynamo.tasks.check_sync_state", [newer, older, same, only, gone],
            kwargs: ["sync_preference": "newest", "target_site": "south", "remote_stats": remote])
        #expect(outcome.paths(.processed) == [newer, only])
        #expect(outcome.paths(.skipped) == [older, same, gone])
        #expect(outcome.message(older) == "south's version is as new or newer (sync_preference newest)")
        #expect(outcome.message(only) == "not on south")
        #expect(outcome.passedOn.map(\.path) == [newer, only], "only the files to send go on to the next step")

        // A path the answers leave out is not taken for absent there: sending it could overwrite a newer copy.
        let unanswered = try await sandbox.run(
            "dynamo.tasks.check_sync_state", [newer],
            kwargs: ["sync_preference": "newest", "target_site": "south", "remote_stats": .object([:])])
        #expect(unanswered.paths(.failures) == [newer])
        #expect(unanswered.message(newer) == "no file state from south for this file")

        let aborting = try await sandbox.run(
            "dynamo.tasks.check_sync_state", [newer, older],
            kwargs: ["sync_preference": "newest", "target_site": "south", "remote_stats": remote, "abort_outdated": true])
        #expect(aborting.paths(.processed) == [newer])
        #expect(aborting.paths(.aborted) == [older])
    }

    @Test func ignoreKeepsTheOtherSitesVersionAndLocalSendsEverything() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let there = try sandbox.write("i/there", "t"), absent = try sandbox.write("i/absent", "a")
        let remote: JSONValue = .object([there: .object(["type": "file", "size": 1, "mtime_ns": 1]), absent: .null])
        // `ignore` is the task's default preference.
        let ignore = try await sandbox.run(
            "dynamo.tasks.check_sync_state", [there, absent], kwargs: ["target_site": "south", "remote_stats": remote])
        #expect(ignore.paths(.processed) == [absent])
        #expect(ignore.paths(.skipped) == [there])
        let local = try await sandbox.run("dynamo.tasks.check_sync_state", [there, absent], kwargs: ["sync_preference": "local"])
        #expect(local.paths(.processed) == [there, absent])
    }

    @Test func comparingWithoutTheOtherSitesStatesFailsTheTaskSayingWhy() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let file = try sandbox.write("x/f", "f")
        await #expect {
            _ = try await sandbox.run("dynamo.tasks.check_sync_state", [file], kwargs: ["sync_preference": "newest"])
        } throws: { error in
            "\(error)".contains("give target_site, the site to compare with")
        }
        await #expect {
            _ = try await sandbox.run("dynamo.tasks.check_sync_state", [file], kwargs: ["sync_preference": "newest", "remote_stats": "x"])
        } throws: { error in
            "\(error)".contains("remote_stats must be an object")
        }
        await #expect {
            _ = try await sandbox.run("dynamo.tasks.check_sync_state", [file], kwargs: ["sync_preference": "ignore", "target_site": "north"])
        } throws: { error in
            "\(error)".contains("has no file states of 'north' to compare with")
        }
    }
}
