import Foundation
import Postgres
import Testing

/// Job controls and crash recovery on real processes: pause/resume and cancel of a running 5,000-file job,
/// resubmit, and a hub killed with SIGKILL mid-job. Serialized: one Redis database.
@Suite(.serialized) struct EngineControlTests {
    static let redisIndex = 7

    func progress(_ harness: EngineHarness, _ job: Int) async throws -> [String: Any] {
        try await harness.admin.get("/api/jobs/\(job)/progress/").object
    }

    /// Waits until the job has finished at least `tasks` tasks.
    func waitForProgress(_ harness: EngineHarness, _ job: Int, tasks: Int) async throws {
        let reached = try await eventually(timeout: .seconds(60), every: .milliseconds(50)) {
            (try await progress(harness, job)["tasks_done"] as? Int ?? 0) >= tasks
        }
        guard reached else { throw TestFailure("job \(job) never finished \(tasks) tasks:\n\(harness.log)") }
    }

    @Test func pauseResumeAndCancelARunning5000FileJob() async throws {
        try await EngineHarness.with(redisIndex: Self.redisIndex, sites: ["oslo"]) { harness in
            let site = try harness.site("oslo")
            for part in 0..<10 { try site.writeFiles("big/p\(part)", count: 500, size: 64) }
            let job = try await harness.admin.submit([
                "workflow": "migrate", "site": "oslo", "paths": [site.mount + "/big"], "fields": [:] as [String: Any],
            ])
            try await waitForProgress(harness, job, tasks: 15)
            let paused = try await harness.admin.post("/api/jobs/\(job)/pause/")
            #expect(paused.status == 201, "\(paused.text)")
            let reachedPaused = try await eventually(timeout: .seconds(60)) {
                try await harness.admin.get("/api/jobs/\(job)/").object["state"] as? String == "PAUSED"
            }
            let pausedJob = try await harness.admin.get("/api/jobs/\(job)/").text
            #expect(reachedPaused, "the job never settled to PAUSED: \(pausedJob)")
            let atPause = try await progress(harness, job)["tasks_done"] as? Int ?? 0
            try await Task.sleep(for: .seconds(2))
            #expect(try await progress(harness, job)["tasks_done"] as? Int == atPause, "tasks ran while the job was paused")
            let started = try await harness.admin.get("/api/tasks/?job_id=\(job)&state=STARTED").object["count"] as? Int
            #expect(started == 0)
            // A paused job cannot be paused again; the error says why.
            let again = try await harness.admin.post("/api/jobs/\(job)/pause/")
            #expect(again.status == 400, "\(again.text)")

            #expect(try await harness.admin.post("/api/jobs/\(job)/resume/").status == 201)
            let done = try await harness.admin.waitForJob(job, timeout: .seconds(240), log: { harness.log })
            #expect(done["state"] as? String == "SUCCESS", "\(done)")
            #expect(done["numprocessedfiles"] as? Int == 5000)
            let resident = try await runTool(
                TestEnvironment.executable("ngsim"), ["state", site.mount + "/big/p3/file-7.dat"],
                environment: ["NGSIM_SITE": site.root.appendingPathComponent("oslo").path])
            #expect(resident.output.hasPrefix("migrated"))

            // Cancel: undelivered tasks are taken off the queue and cancelled; running ones finish.
            let recall = try await harness.admin.submit([
                "workflow": "recall", "site": "oslo", "paths": [site.mount + "/big"], "fields": [:] as [String: Any],
            ])
            try await waitForProgress(harness, recall, tasks: 10)
            let cancel = try await harness.admin.post("/api/jobs/\(recall)/cancel/")
            #expect(cancel.status == 201, "\(cancel.text)")
            let cancelled = try await harness.admin.waitForJob(recall, log: { harness.log })
            #expect(cancelled["state"] as? String == "CANCELLED", "\(cancelled)")
            let cancelledFiles = cancelled["numcancelledfiles"] as? Int ?? 0
            let processed = cancelled["numprocessedfiles"] as? Int ?? 0
            #expect(cancelledFiles > 0, "\(cancelled)")
            #expect(processed + cancelledFiles + (cancelled["numskippedfiles"] as? Int ?? 0) >= 5000, "\(cancelled)")
            let open = try await harness.admin.get("/api/tasks/?job_id=\(recall)&state=PENDING,STARTED").object["count"] as? Int
            #expect(open == 0)
            // Resubmit runs the same submission again as a new job, which finishes the recall.
            let resubmitted = try await harness.admin.post("/api/jobs/\(recall)/resubmit/")
            #expect(resubmitted.status == 201)
            let fresh = try #require(resubmitted.object["id"] as? Int)
            #expect(fresh != recall)
            let finished = try await harness.admin.waitForJob(fresh, timeout: .seconds(240), log: { harness.log })
            #expect(finished["state"] as? String == "SUCCESS", "\(finished)")
        }
    }

    /// The hub killed with SIGKILL mid-job and started again finishes the job, every file accounted once.
    @Test func hubKilledMidJobFinishesItAfterRestart() async throws {
        try await EngineHarness.with(
            redisIndex: Self.redisIndex, sites: ["berlin"], workerEnvironment: ["NGSIM_SLOW": "*:5"]
        ) { harness in
            let site = try harness.site("berlin")
            var files: [String] = []
            for part in 0..<6 { files += try site.writeFiles("crash/p\(part)", count: 50, size: 128) }
            let job = try await harness.admin.submit([
                "workflow": "migrate", "site": "berlin", "paths": [site.mount + "/crash"], "fields": [:] as [String: Any],
            ])
            try await waitForProgress(harness, job, tasks: 3)
            await harness.hub.process.stop(signal: SIGKILL)
            try await Task.sleep(for: .seconds(2))
            let base = try await harness.hub.startReplica()
            let login = try await APIClient(base: base).post(
                "/api/auth/token/", ["username": TestHub.adminUsername, "password": TestHub.adminPassword])
            harness.admin = APIClient(base: base).bearer(try #require(login.object["access"] as? String, "\(login.text)"))
            let done = try await harness.admin.waitForJob(job, timeout: .seconds(120), log: { harness.log })
            #expect(done["state"] as? String == "SUCCESS", "\(done)")
            #expect(done["numprocessedfiles"] as? Int == files.count, "\(done)")
            let outcome = try await harness.files(ofJob: job)
            for file in files {
                #expect(outcome[file] == "processed")
                #expect(try await site.state(file) == "migrated")
            }
            // Each file went through exactly one migrate task that committed.
            let perFile = try await harness.admin.get("/api/tasks/?job_id=\(job)&tasktype=dynamo.tasks.migrate&page_size=0")
                .object["results"] as? [[String: Any]] ?? []
            var inputs = 0
            for task in perFile where task["state"] as? String == "SUCCESS" {
                let detail = try await harness.admin.get("/api/tasks/\(task["id"] as? Int ?? 0)/").object
                inputs += (detail["paths"] as? [String] ?? []).filter { $0.hasSuffix(".dat") }.count
            }
            #expect(inputs == files.count, "files were put in \(inputs) committed migrate tasks, expected \(files.count)")
        }
    }

    /// Sends `path` from sitea to siteb's default queue and expects the job to succeed; returns its id.
    @discardableResult
    private func send(_ harness: EngineHarness, _ path: String, hydrate: Bool) async throws -> Int {
        let job = try await harness.admin.submit([
            "workflow": "send", "site": "sitea", "paths": [path],
            "fields": ["destinationsite": "siteb", "destinationqueue": "default", "hydrate": hydrate],
        ])
        let done = try await harness.admin.waitForJob(job, log: { harness.log })
        let tasks = try await harness.taskResults(ofJob: job)
        #expect(done["state"] as? String == "SUCCESS", "\(done)\n\(tasks)")
        return job
    }

    /// Send from one site to another through the shared target, hydrated and dehydrated.
    @Test func sendBetweenSites() async throws {
        try await EngineHarness.with(redisIndex: Self.redisIndex, sites: ["sitea", "siteb"]) { harness in
            let a = try harness.site("sitea")
            let b = try harness.site("siteb")
            let files = try a.writeFiles("out/hydrated", count: 3)
            let stubs = try a.writeFiles("out/stubs", count: 2)
            var hashes: [String: String] = [:]
            for file in files { hashes[file] = try await a.sha256(file) }
            try await send(harness, a.mount + "/out/hydrated", hydrate: true)
            for file in files {
                let there = b.mount + file.dropFirst(a.mount.count)
                #expect(try await b.state(there) == "premigrated", "\(there)")
                #expect(try await b.sha256(there) == hashes[file])
                #expect(try await a.state(file) == "premigrated")
            }
            let dehydrated = try await send(harness, a.mount + "/out/stubs", hydrate: false)
            for file in stubs {
                #expect(try await b.state(b.mount + file.dropFirst(a.mount.count)) == "migrated")
            }
            let steps = try await harness.admin.get("/api/tasks/?job_id=\(dehydrated)&tasktype=dynamo.tasks.reverse_stub").object
            let results = steps["results"] as? [[String: Any]] ?? []
            #expect(!results.isEmpty && results.allSatisfy { $0["site"] as? String == "siteb" }, "\(results)")
        }
    }

    /// A worker whose `mmlsfs` failed when it started reports its filesystems once the tool works, without a
    /// restart, and the hub then carries paths to its site. (In a test run, another site re-linking the
    /// shared tool folder made the first probe fail, and every send to that site failed for good.)
    @Test func filesystemsProbedAgainAfterAFailedStartLetASendReachTheSite() async throws {
        try await EngineHarness.with(redisIndex: Self.redisIndex, sites: ["sitea", "siteb"]) { harness in
            let pool = PostgresPool(configuration: try PostgresConfiguration(url: harness.hub.database.url))
            do {
                try await probedAgain(harness, pool)
            } catch {
                await pool.close()
                throw error
            }
            await pool.close()
        }
    }

    private func probedAgain(_ harness: EngineHarness, _ pool: PostgresPool) async throws {
        let a = try harness.site("sitea")
        let b = try harness.site("siteb")
        let ofSiteB = "FROM nodes n JOIN sites s ON s.id = n.site_id WHERE s.name = 'siteb'"
        func reported() async throws -> Bool {
            try await pool.query("SELECT n.filesystems IS NOT NULL AS known " + ofSiteB).decodeColumn(Bool.self, "known").first == true
        }
        #expect(try await reported())
        // Restart siteb's worker with mmlsfs pointing where nothing is yet, as a fresh node.
        await b.stopWorker()
        let late = harness.root.appendingPathComponent("late")
        try FileManager.default.createDirectory(at: late, withIntermediateDirectories: true)
        let config = try String(contentsOfFile: b.config, encoding: .utf8)
        let broken = config.replacingOccurrences(
            of: "\"mmlsfs\": \"\(b.bin.path)/mmlsfs\"", with: "\"mmlsfs\": \"\(late.path)/mmlsfs\"")
        try #require(broken != config)
        try broken.write(toFile: b.config, atomically: true, encoding: .utf8)
        // Forget the node and the mounts it reported. A heartbeat of the stopped worker still on its way
        // registers it again: deregister until none has come back for two heartbeat intervals.
        var gone = false
        for _ in 0..<10 where !gone {
            for node in try await harness.admin.get("/api/nodes/").object["results"] as? [[String: Any]] ?? []
            where node["site"] as? String == "siteb" {
                #expect(try await harness.admin.delete("/api/nodes/\(node["id"] as? Int ?? 0)/").status == 204)
            }
            try await Task.sleep(for: .seconds(2))
            gone = try await pool.query("SELECT count(*) AS n " + ofSiteB).decodeColumn(Int.self, "n").first == 0
        }
        try #require(gone, "siteb's node kept coming back")
        try b.startWorker(logs: harness.hub.logs)
        try await harness.admin.waitForSite("siteb")
        #expect(try await reported() == false)
        // The tool appears; the worker's next probe finds the filesystem.
        try FileManager.default.createSymbolicLink(
            atPath: late.appendingPathComponent("mmlsfs").path, withDestinationPath: TestEnvironment.executable("ngsim"))
        #expect(try await eventually(timeout: .seconds(30)) { try await reported() }, "\(harness.log)")
        let files = try a.writeFiles("later", count: 2)
        try await send(harness, a.mount + "/later", hydrate: true)
        for file in files {
            #expect(try await b.state(b.mount + file.dropFirst(a.mount.count)) == "premigrated")
        }
    }
}
