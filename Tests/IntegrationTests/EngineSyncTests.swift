import Foundation
import Testing

/// site_sync (spec/03 sections 7 and 12): snapdiff discovery on an independent fileset, each change sent to
/// the destination through the shared target, snapshots rotated at the end of the job so the next run sees
/// only what changed since. Real hub, workers, Redis, PostgreSQL and sandbox tools.
@Suite(.serialized) struct EngineSyncTests {
    static let redisIndex = 11

    @Test func siteSyncSendsChangesAndRotatesSnapshots() async throws {
        try await EngineHarness.with(redisIndex: Self.redisIndex, sites: ["north", "south"], filesets: ["data"]) { harness in
            let north = try harness.site("north")
            let south = try harness.site("south")
            let first = try north.writeFiles("data/projects", count: 4)
            let fileset = north.mount + "/data"
            let body: [String: Any] = [
                "workflow": "site_sync", "site": "north", "paths": [fileset], "fields": ["destination": "south"],
            ]
            let run1 = try await harness.admin.submit(body)
            let done1 = try await harness.admin.waitForJob(run1, log: { harness.log })
            let tasks1 = try await harness.taskResults(ofJob: run1)
            #expect(done1["state"] as? String == "SUCCESS", "\(done1)\n\(tasks1)")
            #expect(done1["discovery"] as? String == "snapdiff")
            // Sent dehydrated (site_sync's reverse_stub makes stubs): the object is the north file's content.
            for file in first {
                let there = south.mount + file.dropFirst(north.mount.count)
                #expect(try await south.state(there) == "migrated", "\(there) not synced")
            }
            // The rotate task ran on the source site after everything else.
            let rotations = try await harness.admin.get("/api/tasks/?job_id=\(run1)&tasktype=dynamo.tasks.rotate_snapshot").object
            #expect(rotations["count"] as? Int == 1, "\(rotations)")

            // Second run: only the changes since the first (a new file, a deleted file) are applied.
            let added = try north.writeFiles("data/more", count: 1)[0]
            try FileManager.default.removeItem(atPath: first[0])
            let run2 = try await harness.admin.submit(body)
            let done2 = try await harness.admin.waitForJob(run2, log: { harness.log })
            let tasks2 = try await harness.taskResults(ofJob: run2)
            #expect(done2["state"] as? String == "SUCCESS", "\(done2)\n\(tasks2)")
            #expect(FileManager.default.fileExists(atPath: south.mount + added.dropFirst(north.mount.count)), "new file not synced")
            #expect(!FileManager.default.fileExists(atPath: south.mount + first[0].dropFirst(north.mount.count)), "deleted file kept")
            let migrated = try await harness.admin.get("/api/tasks/?job_id=\(run2)&tasktype=dynamo.tasks.migrate&page_size=0")
                .object["results"] as? [[String: Any]] ?? []
            var sent: [String] = []
            for task in migrated {
                let detail = try await harness.admin.get("/api/tasks/\(task["id"] as? Int ?? 0)/").object
                sent += (detail["paths"] as? [String] ?? []).filter { $0.hasSuffix(".dat") }
            }
            // The premigrate of the first run changed the sent files' ctime, so they come back as `updated`
            // (and are matched to their existing objects); the deleted file is not sent, the new one is.
            #expect(sent.contains(added), "\(sent)")
            #expect(!sent.contains(first[0]), "\(sent)")
        }
    }

    /// `sync_preference: newest`: the hub stats the files on the destination first (`stat_paths` there),
    /// and `check_sync_state` sends on only the files newer here than there (L12312-12320).
    @Test func newestSyncPreferenceComparesWithTheDestination() async throws {
        try await EngineHarness.with(redisIndex: Self.redisIndex, sites: ["north", "south"], filesets: ["data"]) { harness in
            let north = try harness.site("north")
            let south = try harness.site("south")
            let files = try north.writeFiles("data/cmp", count: 2)
            let body: [String: Any] = [
                "workflow": "site_sync", "site": "north", "paths": [north.mount + "/data"],
                "fields": ["destination": "south", "sync_preference": "newest"],
            ]
            let first = try await harness.admin.submit(body)
            let done1 = try await harness.admin.waitForJob(first, log: { harness.log })
            #expect(done1["state"] as? String == "SUCCESS", "\(done1)")

            // Here, the first file is changed later than its copy there; there, the second file's copy is
            // changed later than the file here.
            let later = Date().addingTimeInterval(3600)
            try FileManager.default.setAttributes([.modificationDate: later], ofItemAtPath: files[0])
            let theirs = south.mount + files[1].dropFirst(north.mount.count)
            try FileManager.default.setAttributes([.modificationDate: later.addingTimeInterval(3600)], ofItemAtPath: theirs)

            let second = try await harness.admin.submit(body)
            let done2 = try await harness.admin.waitForJob(second, log: { harness.log })
            let details = try await harness.taskResults(ofJob: second)
            #expect(done2["state"] as? String == "SUCCESS", "\(done2)\n\(details)")
            func tasks(_ type: String) async throws -> [[String: Any]] {
                let list = try await harness.admin.get("/api/tasks/?job_id=\(second)&tasktype=\(type)&page_size=0")
                    .object["results"] as? [[String: Any]] ?? []
                var detailed: [[String: Any]] = []
                for task in list { detailed.append(try await harness.admin.get("/api/tasks/\(task["id"] as? Int ?? 0)/").object) }
                return detailed
            }
            let stats = try await tasks("dynamo.tasks.stat_paths")
            #expect(!stats.isEmpty && stats.allSatisfy { $0["site"] as? String == "south" && $0["state"] as? String == "SUCCESS" }, "\(details)")
            let checked = try await tasks("dynamo.tasks.check_sync_state")
            #expect(!checked.isEmpty && checked.allSatisfy { $0["site"] as? String == "north" }, "\(details)")
            let checkFiles = try await harness.admin.get("/api/tasks/\(checked.first?["id"] as? Int ?? 0)/files/?page_size=0")
                .object["results"] as? [[String: Any]] ?? []
            var outcome: [String: String] = [:]
            for file in checkFiles { outcome[file["path"] as? String ?? ""] = file["state"] as? String }
            #expect(outcome[files[0]] == "processed", "\(checkFiles)")
            #expect(outcome[files[1]] == "skipped", "\(checkFiles)")
            let stubbed = try await tasks("dynamo.tasks.reverse_stub").flatMap { $0["paths"] as? [String] ?? [] }
            #expect(stubbed.contains(south.mount + files[0].dropFirst(north.mount.count)), "\(stubbed)")
            #expect(!stubbed.contains(theirs), "the newer copy on south was overwritten: \(stubbed)")
        }
    }
}
