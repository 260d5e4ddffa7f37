import Foundation
import Testing

/// The data path end to end: a submission through the API moves real bytes through the sandbox tools on
/// the worker, and the job, its tasks and its files say what happened. Serialized: one Redis database.
@Suite(.serialized) struct EngineEndToEndTests {
    static let redisIndex = 6

    /// Migrate a directory tree: every file becomes a stub with its bytes in the target; recall restores
    /// them byte for byte; premigrate keeps the data and records the object.
    @Test func migrateRecallAndPremigrateATree() async throws {
        try await EngineHarness.with(redisIndex: Self.redisIndex, sites: ["london"]) { harness in
            let site = try harness.site("london")
            var files = try site.writeFiles("data/a", count: 5)
            files += try site.writeFiles("data/b/c", count: 4, size: 5000)
            var hashes: [String: String] = [:]
            for file in files { hashes[file] = try await site.sha256(file) }

            let migrate = try await harness.admin.submit([
                "workflow": "migrate", "site": "london", "paths": [site.mount + "/data"], "fields": [:] as [String: Any],
            ])
            let job = try await harness.admin.waitForJob(migrate, log: { harness.log })
            #expect(job["state"] as? String == "SUCCESS", "\(job)\n\(harness.log)")
            #expect(job["discovery"] as? String == "recursive")
            #expect(job["numprocessedfiles"] as? Int == files.count)
            #expect(job["numfailedfiles"] as? Int == 0)
            for file in files { #expect(try await site.state(file) == "migrated", "\(file)") }
            let outcome = try await harness.files(ofJob: migrate)
            for file in files { #expect(outcome[file] == "processed", "\(file): \(outcome[file] ?? "missing")") }
            // Directories were discovered too; the tool skips them.
            #expect(outcome[site.mount + "/data/b"] == "skipped")
            let tasks = try await harness.admin.get("/api/tasks/?job_id=\(migrate)&page_size=0").object["results"] as? [[String: Any]] ?? []
            #expect(tasks.contains { $0["tasktype"] as? String == "dynamo.tasks.recursive_navigate" })
            #expect(tasks.contains { $0["tasktype"] as? String == "dynamo.tasks.migrate" && $0["state"] as? String == "SUCCESS" })
            #expect(tasks.allSatisfy { $0["state"] as? String == "SUCCESS" }, "\(tasks)")

            let recall = try await harness.admin.submit([
                "workflow": "recall", "site": "london", "paths": [site.mount + "/data/a", site.mount + "/data/b"],
                "fields": [:] as [String: Any],
            ])
            let recalled = try await harness.admin.waitForJob(recall, log: { harness.log })
            #expect(recalled["state"] as? String == "SUCCESS", "\(recalled)")
            for file in files {
                #expect(try await site.state(file) == "resident")
                #expect(try await site.sha256(file) == hashes[file], "\(file) came back different")
            }

            let more = try site.writeFiles("pre", count: 3)
            let premigrate = try await harness.admin.submit([
                "workflow": "premigrate", "site": "london", "paths": [site.mount + "/pre"], "fields": ["lock_level": "implicit"],
            ])
            #expect(try await harness.admin.waitForJob(premigrate)["state"] as? String == "SUCCESS")
            for file in more { #expect(try await site.state(file) == "premigrated") }
        }
    }

    /// A failing file fails the job while the other files succeed; an aborted file does not fail it
    /// (manual L12627-12641). Faults are injected into the sandbox tool through the worker's environment.
    @Test func failedFileFailsTheJobAbortedDoesNot() async throws {
        try await EngineHarness.with(
            redisIndex: Self.redisIndex, sites: ["paris"], workerEnvironment: ["NGSIM_FAIL": "*/bad-*", "NGSIM_ABORT": "*/abort-*"]
        ) { harness in
            let site = try harness.site("paris")
            let good = try site.writeFiles("mixed", count: 4)
            let bad = site.mount + "/mixed/bad-1.dat"
            try Data("x".utf8).write(to: URL(fileURLWithPath: bad))
            let failing = try await harness.admin.submit([
                "workflow": "migrate", "site": "paris", "paths": [site.mount + "/mixed"], "fields": [:] as [String: Any],
            ])
            let failed = try await harness.admin.waitForJob(failing, log: { harness.log })
            #expect(failed["state"] as? String == "FAILURE", "\(failed)")
            #expect(failed["numfailedfiles"] as? Int == 1)
            #expect(failed["numprocessedfiles"] as? Int == good.count)
            for file in good { #expect(try await site.state(file) == "migrated") }
            #expect(try await site.state(bad) == "resident")
            let outcome = try await harness.files(ofJob: failing)
            #expect(outcome[bad] == "failures")
            let failedFiles = try await harness.admin.get("/api/jobs/\(failing)/files/?category=failed").object
            #expect(failedFiles["count"] as? Int == 1)
            let stats = try await harness.admin.get("/api/jobstats/?job=\(failing)&state=failed").object
            let stat = try #require((stats["results"] as? [[String: Any]])?.first, "\(stats)")
            #expect(stats["count"] as? Int == 1)
            #expect(stat["path"] as? String == bad)
            #expect((stat["message"] as? String)?.contains("injected failure") == true, "\(stat)")
            let history = try await harness.admin.get("/api/jobstats/\(stat["id"] as? Int ?? 0)/history/").object
            #expect(history["count"] as? Int == 1, "\(history)")
            let migrateTasks = try await harness.admin.get("/api/tasks/?job_id=\(failing)&tasktype=dynamo.tasks.migrate").object["results"]
                as? [[String: Any]] ?? []
            #expect(migrateTasks.contains { $0["state"] as? String == "ERROR" }, "a task with a failed file ends ERROR: \(migrateTasks)")

            let others = try site.writeFiles("aborting", count: 2)
            let aborted = site.mount + "/aborting/abort-1.dat"
            try Data("y".utf8).write(to: URL(fileURLWithPath: aborted))
            let aborting = try await harness.admin.submit([
                "workflow": "migrate", "site": "paris", "paths": others + [aborted], "discovery": NSNull(), "fields": [:] as [String: Any],
            ])
            let done = try await harness.admin.waitForJob(aborting, log: { harness.log })
            #expect(done["state"] as? String == "SUCCESS", "an aborted file does not fail the job: \(done)")
            #expect(done["numabortedfiles"] as? Int == 1)
            #expect(done["numprocessedfiles"] as? Int == 2)
            #expect(done["discovery"] is NSNull)

            // A job over an empty folder processes nothing: a no-op job, which `hide_noop` hides (found through
            // its tasks' file rows).
            let empty = site.mount + "/empty"
            try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
            let again = try await harness.admin.submit([
                "workflow": "migrate", "site": "paris", "paths": [empty], "fields": [:] as [String: Any],
            ])
            let noop = try await harness.admin.waitForJob(again, log: { harness.log })
            #expect(noop["state"] as? String == "SUCCESS" && noop["numprocessedfiles"] as? Int == 0, "\(noop)")
            let listed = (try await harness.admin.get("/api/jobs/?hide_noop=true&page_size=100").object["results"] as? [[String: Any]] ?? [])
                .compactMap { $0["id"] as? Int }
            #expect(listed.contains(aborting) && !listed.contains(again), "\(listed)")
        }
    }

    /// Live progress: while one migrate task works through 100 slow files, its files (and so the job's
    /// counts) appear as the tool reports them, not only when the task ends.
    @Test func filesAppearWhileTheToolRuns() async throws {
        try await EngineHarness.with(redisIndex: Self.redisIndex, sites: ["oslo"], workerEnvironment: ["NGSIM_SLOW": "*:40"]) { harness in
            let site = try harness.site("oslo")
            let siteID = try await SitesHealthTests.siteID("oslo", harness.admin)
            #expect(try await harness.admin.patch("/api/sites/\(siteID)/", ["file_batch_size": 100]).status == 200)
            let paths = try site.writeFiles("slow", count: 100)
            let job = try await harness.admin.submit([
                "workflow": "migrate", "site": "oslo", "paths": paths, "discovery": NSNull(), "fields": [:] as [String: Any],
            ])
            var seenWhileRunning: [Int] = []
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                let tasks = try await harness.admin.get("/api/tasks/?job_id=\(job)&page_size=0").object["results"] as? [[String: Any]] ?? []
                if let task = tasks.first, let id = task["id"] as? Int {
                    let files = try await harness.admin.get("/api/tasks/\(id)/files/?page_size=1").object["count"] as? Int ?? 0
                    let state = try await harness.admin.get("/api/tasks/\(id)/").object["state"] as? String
                    if state == "STARTED" { seenWhileRunning.append(files) }
                    if state == "SUCCESS" { break }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let done = try await harness.admin.waitForJob(job, log: { harness.log })
            #expect(done["state"] as? String == "SUCCESS", "\(done)")
            #expect(done["numprocessedfiles"] as? Int == 100)
            #expect(seenWhileRunning.contains { $0 > 0 && $0 < 100 }, "no file was reported before the task ended: \(seenWhileRunning)")

            // The result was merged with what the task streamed: each file once, in its final state, and
            // each job stat found again by its id.
            let task = try #require((try await harness.admin.get("/api/tasks/?job_id=\(job)&page_size=0").object["results"] as? [[String: Any]])?.first)
            let files = try await harness.admin.get("/api/tasks/\(task["id"] ?? 0)/files/?page_size=0").object["results"] as? [[String: Any]] ?? []
            #expect(files.count == 100)
            #expect(Set(files.compactMap { $0["path"] as? String }) == Set(paths))
            #expect(files.allSatisfy { $0["state"] as? String == "processed" }, "\(files.prefix(3))")
            let stats = try await harness.admin.get("/api/jobstats/?job=\(job)&history=true&page_size=0").object["results"] as? [[String: Any]] ?? []
            #expect(stats.count == 100)
            for stat in stats.prefix(3) {
                let again = try await harness.admin.get("/api/jobstats/\(stat["id"] ?? 0)/")
                #expect(again.status == 200)
                #expect(again.object["path"] as? String == stat["path"] as? String)
            }
        }
    }

    /// Manual Examples 9 and 10: a state-based workflow run without discovery on paths with states.
    @Test func stateBasedWorkflowWithoutDiscovery() async throws {
        try await EngineHarness.with(redisIndex: Self.redisIndex, sites: ["dublin"]) { harness in
            let site = try harness.site("dublin")
            let created = try await harness.admin.post("/api/workflows/", [
                "name": "migrate_state", "label": "Stateful file migration",
                "filter_rules": [
                    ["type": "all", "state": "modified", "action": ["name": "dynamo.tasks.migrate"]],
                    ["type": "all", "state": "moved", "action": ["name": "dynamo.tasks.delete_paths_from_gpfs"]],
                ],
                "discovery": NSNull(), "fields": [] as [Any],
            ])
            #expect(created.status == 201, "\(created.text)")
            let modified = try site.writeFiles("one", count: 1)[0]
            let moved = try site.writeFiles("two", count: 1)[0]
            let job = try await harness.admin.submit([
                "paths": [["path": modified, "state": "modified"], ["path": moved, "state": "moved"]],
                "site": "dublin", "workflow": "migrate_state", "discovery": NSNull(), "fields": [:] as [String: Any],
            ])
            let done = try await harness.admin.waitForJob(job, log: { harness.log })
            #expect(done["state"] as? String == "SUCCESS", "\(done)")
            #expect(try await site.state(modified) == "migrated")
            #expect(!FileManager.default.fileExists(atPath: moved), "the 'moved' rule deletes the path")
        }
    }

    /// Bad submissions are refused with 400 naming the field, and nothing is created.
    @Test func badSubmissionsNameTheFieldAndCreateNothing() async throws {
        try await EngineHarness.with(redisIndex: Self.redisIndex, sites: ["rome"]) { harness in
            let site = try harness.site("rome")
            let cases: [(body: [String: Any], field: String)] = [
                (["workflow": "nope", "site": "rome", "paths": [site.mount], "fields": [:] as [String: Any]], "workflow"),
                (["workflow": "migrate", "paths": [site.mount], "fields": [:] as [String: Any]], "site"),
                (["workflow": "migrate", "site": "atlantis", "paths": [site.mount], "fields": [:] as [String: Any]], "site"),
                (["workflow": "migrate", "site": "rome", "paths": ["relative/path"], "fields": [:] as [String: Any]], "paths"),
                (["workflow": "migrate", "site": "rome", "fields": [:] as [String: Any]], "paths"),
                (["workflow": "migrate", "site": "rome", "paths": [site.mount], "queue": "nosuchqueue", "fields": [:] as [String: Any]], "queue"),
                (["workflow": "migrate", "site": "rome", "paths": [site.mount], "fields": ["lock_level": "sideways"]], "fields"),
                (["workflow": "send", "site": "rome", "paths": [site.mount], "fields": ["hydrate": "perhaps", "destinationsite": "rome"]], "fields"),
            ]
            for (body, field) in cases {
                let response = try await harness.admin.post("/api/file/workflow/", body)
                #expect(response.status == 400, "\(body): \(response.status) \(response.text)")
                #expect(response.object.keys.contains { $0 == field || $0.hasPrefix(field + ".") || $0.hasPrefix(field + "[") },
                        "\(body) should name \(field): \(response.text)")
            }
            let jobs = try await harness.admin.get("/api/jobs/").object
            #expect(jobs["count"] as? Int == 0, "a refused submission created a job: \(jobs)")
            let readOnly = try await harness.hub.user("viewer", admin: harness.admin)
            let denied = try await readOnly.post("/api/file/workflow/", ["workflow": "migrate", "site": "rome", "paths": [site.mount]])
            #expect(denied.status == 403)
        }
    }
}
