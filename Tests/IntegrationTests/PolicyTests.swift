import Foundation
import Testing

/// Policies end to end (issue 7): validation against what the site reported, a run that migrates
/// exactly the files its conditions select as a normal job, and a pool above its upper threshold
/// drained below its lower one by a triggered run.
@Suite(.serialized) struct PolicyTests {
    static let fast = ["NGENEAHUB_INVENTORY_INTERVAL": "2", "NGENEAHUB_ALERTS_INTERVAL": "60"]

    /// Writes `size` bytes at `relative` under the site's mount, last accessed and modified `days` ago.
    static func file(_ site: SandboxSite, _ relative: String, size: Int, daysOld: Double = 0) throws -> String {
        let path = site.mount + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var bytes = [UInt8](repeating: 0, count: size)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 7 ^ relative.utf8.count) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        if daysOld > 0 {
            let when = Date().addingTimeInterval(-daysOld * 86_400)
            try FileManager.default.setAttributes([.modificationDate: when], ofItemAtPath: path)
            var times = [timespec(tv_sec: Int(when.timeIntervalSince1970), tv_nsec: 0), timespec(tv_sec: Int(when.timeIntervalSince1970), tv_nsec: 0)]
            guard utimensat(AT_FDCWD, path, &times, 0) == 0 else { throw TestFailure("utimensat \(path)") }
        }
        return path
    }

    /// The filesystem-root space the inventory created on the site.
    static func rootSpace(_ harness: EngineHarness, site: Int) async throws -> Int {
        let spaces = try await harness.admin.get("/api/sites/\(site)/").object["spaces"] as? [[String: Any]] ?? []
        return try #require(spaces.first?["id"] as? Int)
    }

    /// Waits until the site's inventory lists `pool`; returns the site's id.
    static func inventory(_ harness: EngineHarness, pool: String) async throws -> Int {
        let siteID = try await SitesHealthTests.siteID("london", harness.admin)
        _ = try await harness.admin.post("/api/sites/\(siteID)/refresh/")
        let listed = try await eventually(timeout: .seconds(30)) {
            let pools = try await harness.admin.get("/api/storagepools/").object["results"] as? [[String: Any]] ?? []
            return pools.contains { $0["name"] as? String == pool }
        }
        guard listed else { throw TestFailure("no inventory:\n\(harness.log)") }
        return siteID
    }

    static var farAway: [String: Any] {
        [
        "timezone": "UTC", "minute": "0", "hour": "3", "day_of_week": "*", "day_of_month": "1", "month_of_year": "1",
        "first_occur": false, "start_date_time": NSNull(),
        ]
    }

    @Test func invalidPoliciesAreRejectedByField() async throws {
        try await EngineHarness.with(redisIndex: 18, sites: ["london"], pools: ["sas1=100M"], hubEnvironment: Self.fast) { harness in
            let siteID = try await Self.inventory(harness, pool: "sas1")
            let space = try await Self.rootSpace(harness, site: siteID)
            // The policy discovery runs a policy file, which can name programs: users may not submit it,
            // neither directly nor through a workflow of their own.
            let direct = try await harness.admin.post(
                "/api/file/workflow/",
                ["workflow": "migrate", "site": "london", "paths": [harness.site("london").mount], "discovery": "policy",
                 "discovery_options": ["policy": "RULE EXTERNAL LIST 'x' EXEC '/bin/sh'"]])
            #expect(direct.status == 400 && direct.object["discovery"] != nil, "\(direct.text)")
            let workflow = try await harness.admin.post(
                "/api/workflows/",
                ["name": "sneaky", "label": "Sneaky", "discovery": "policy",
                 "filter_rules": [["type": "all", "state": "all", "action": [["name": "dynamo.tasks.migrate"]]]]])
            #expect(workflow.status == 400, "a workflow may not use the policy discovery: \(workflow.text)")
            let bad = try await harness.admin.post(
                "/api/policies/",
                ["name": "bad", "site": siteID, "filesystem": "mmfs1", "threads": 0, "policy_type": "MIGRATION", "spaces": [],
                 "schedule": Self.farAway.merging(["hour": "25", "timezone": "Mars/Base"]) { $1 },
                 "triggers": [["pool_name": "nosuchpool", "upper_threshold": 150, "lower_threshold": 10, "is_cloud": true]],
                 "order": ["by": "file_size", "reverse": false], "condition_groups": [], "enabled": true])
            #expect(bad.status == 400)
            for field in ["threads", "triggers[0].upper_threshold"] {
                #expect(bad.object[field] != nil, "no error for \(field): \(bad.text)")
            }
            let unknownPool = try await harness.admin.post(
                "/api/policies/",
                ["name": "pool", "site": siteID, "filesystem": "mmfs1", "threads": 2, "schedule": Self.farAway, "spaces": [space],
                 "triggers": [["pool_name": "nosuchpool", "upper_threshold": 80, "lower_threshold": 50, "is_cloud": true]]])
            #expect(unknownPool.status == 400 && unknownPool.object["triggers[0].pool_name"] != nil, "\(unknownPool.text)")
            let inverted = try await harness.admin.post(
                "/api/policies/",
                ["name": "inverted", "site": siteID, "filesystem": "mmfs1", "threads": 2, "schedule": Self.farAway, "spaces": [space],
                 "triggers": [["pool_name": "sas1", "upper_threshold": 80, "lower_threshold": 90, "is_cloud": true]]])
            #expect(inverted.status == 400 && inverted.object["triggers[0].lower_threshold"] != nil, "\(inverted.text)")
            let badSchedule = try await harness.admin.post(
                "/api/policies/",
                ["name": "sched", "site": siteID, "filesystem": "mmfs1", "threads": 2, "spaces": [space],
                 "schedule": Self.farAway.merging(["hour": "25", "timezone": "Mars/Base"]) { $1 },
                 "triggers": [["pool_name": "sas1", "is_cloud": true]]])
            #expect(badSchedule.status == 400 && badSchedule.object["schedule.hour"] != nil && badSchedule.object["schedule.timezone"] != nil,
                    "\(badSchedule.text)")
        }
    }

    /// A policy with an age and a size condition migrates exactly the old, big files through a job with
    /// per-file outcomes; the compiled policy is in the job's details.
    @Test func aRunMigratesExactlyTheSelectedFiles() async throws {
        try await EngineHarness.with(redisIndex: 18, sites: ["london"], pools: ["sas1=100M"], hubEnvironment: Self.fast) { harness in
            let site = try harness.site("london")
            let oldBig = try Self.file(site, "projects/old-big.bin", size: 40_000, daysOld: 60)
            let oldSmall = try Self.file(site, "projects/old-small.bin", size: 10, daysOld: 60)
            let newBig = try Self.file(site, "projects/new-big.bin", size: 40_000)
            let siteID = try await Self.inventory(harness, pool: "sas1")
            let space = try await Self.rootSpace(harness, site: siteID)
            let created = try await harness.admin.post(
                "/api/policies/",
                ["name": "cold-to-cloud", "site": siteID, "filesystem": "mmfs1", "threads": 2, "policy_type": "MIGRATION",
                 "enabled": true, "spaces": [space], "schedule": Self.farAway,
                 "triggers": [["pool_name": "sas1", "max_utilisation": 0, "is_cloud": true]],
                 "order": ["by": "file_size", "reverse": false],
                 "condition_groups": [
                    ["name": "cold and big", "date_conditions": [["age": "30 days", "older_or_newer": "older"]],
                     "filesize_conditions": [["greater_or_less": "greater", "size": 1000]]]]])
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.object["id"] as? Int)
            #expect((created.object["triggers"] as? [[String: Any]])?.first?["pool_name"] as? String == "sas1")

            let run = try await harness.admin.post("/api/policies/\(id)/run/")
            #expect(run.status == 202 && run.object["task_id"] is String, "\(run.text)")
            let job = try #require(run.object["job"] as? Int)
            let done = try await harness.admin.waitForJob(job, log: { harness.log })
            let tasks = try await harness.taskResults(ofJob: job)
            #expect(done["state"] as? String == "SUCCESS", "\(tasks)")
            #expect(try await site.state(oldBig) == "migrated")
            #expect(try await site.state(oldSmall) == "resident")
            #expect(try await site.state(newBig) == "resident")
            let detail = try await harness.admin.get("/api/jobs/\(job)/").object
            #expect(((detail["details"] as? [String: Any])?["policy"] as? String ?? "").contains("MIGRATE FROM POOL 'sas1'"))
            #expect((detail["owner"] as? [String: Any])?["name"] as? String == "cold-to-cloud")
            let files = try await harness.files(ofJob: job)
            #expect(files == [oldBig: "processed"], "\(files)")

            let patched = try await harness.admin.patch("/api/policies/\(id)/", ["name": "renamed", "threads": 4])
            #expect(patched.status == 200 && patched.object["name"] as? String == "renamed" && patched.object["threads"] as? Int == 4)
            #expect(try await harness.admin.patch("/api/policies/\(id)/", ["threads": -1]).status == 400)
            let automated = try await harness.admin.get("/api/automatedschedules/").object["results"] as? [[String: Any]] ?? []
            #expect(automated.contains { $0["name"] as? String == "renamed" && $0["schedule_type"] as? String == "policy" })
            #expect(try await harness.admin.delete("/api/policies/\(id)/").status == 204)
        }
    }

    /// A pool above its upper threshold starts a run by itself, which drains it below the lower one.
    @Test func aPoolAboveItsUpperThresholdIsDrained() async throws {
        try await EngineHarness.with(redisIndex: 18, sites: ["london"], pools: ["sas1=1M"], hubEnvironment: Self.fast) { harness in
            let site = try harness.site("london")
            for index in 0..<9 { _ = try Self.file(site, "fill/file-\(index).bin", size: 100 << 10, daysOld: Double(index + 1)) }
            let siteID = try await Self.inventory(harness, pool: "sas1")
            let space = try await Self.rootSpace(harness, site: siteID)
            let created = try await harness.admin.post(
                "/api/policies/",
                ["name": "watermark", "site": siteID, "filesystem": "mmfs1", "threads": 2, "schedule": Self.farAway, "spaces": [space],
                 "triggers": [["pool_name": "sas1", "upper_threshold": 80, "lower_threshold": 50, "is_cloud": true]],
                 "order": ["by": "file_size", "reverse": false]])
            #expect(created.status == 201, "\(created.text)")
            let drained = try await eventually(timeout: .seconds(60), every: .seconds(1)) {
                let pools = try await harness.admin.get("/api/storagepools/").object["results"] as? [[String: Any]] ?? []
                guard let pool = pools.first(where: { $0["name"] as? String == "sas1" }),
                    let used = pool["used_space"] as? Int, let capacity = pool["capacity"] as? Int
                else { return false }
                // Below the lower threshold by what the policy weighed (KB_ALLOCATED); each stub keeps a 4 KiB
                // block, which the policy does not count, so allow those.
                return used < capacity / 2 + 9 * 4096
            }
            let pools = try await harness.admin.get("/api/storagepools/").text
            let jobs = try await harness.admin.get("/api/jobs/?page_size=0").text
            #expect(drained, "the pool was not drained: \(pools)\n\(jobs.prefix(3000))")
            var migrated = 0
            for index in 0..<9 where try await site.state(site.mount + "/fill/file-\(index).bin") == "migrated" { migrated += 1 }
            #expect(migrated >= 4 && migrated < 9, "\(migrated) files migrated: the run should stop at the lower threshold")
        }
    }
}
