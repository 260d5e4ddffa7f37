import Foundation
import Postgres
import Testing

/// Sites, what they report, the settings the engine obeys, health, alerts and housekeeping (issue 6),
/// with a real hub, real workers and the sandbox. Housekeeping runs every second here.
@Suite(.serialized) struct SitesHealthTests {
    static let fast = [
        "NGENEAHUB_ALERTS_INTERVAL": "1", "NGENEAHUB_INVENTORY_INTERVAL": "3600", "NGENEAHUB_CLEANUP_INTERVAL": "1",
    ]

    /// Creating, reading, changing and deleting a site; every invalid field is named in the 400.
    @Test func siteLifecycleAndValidation() async throws {
        try await EngineHarness.with(redisIndex: 16, sites: [], hubEnvironment: Self.fast) { harness in
            let admin = harness.admin
            let bad = try await admin.post(
                "/api/sites/",
                [
                    "name": "bad name", "file_batch_size": -1, "timezone": "Mars/Olympus", "file_batch_sise": 3,
                    "color": [1, 2], "public_url": "ftp://x",
                ])
            #expect(bad.status == 400)
            for field in ["name", "file_batch_size", "timezone", "file_batch_sise", "color", "public_url", "shortcode"] {
                #expect(bad.object[field] != nil, "no error for \(field): \(bad.text)")
            }
            let created = try await admin.post(
                "/api/sites/",
                ["name": "testexample", "shortcode": "str", "timezone": "Europe/London", "file_batch_size": 10, "include": ["*.dat"]])
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.object["id"] as? Int)
            #expect(created.object["label"] as? String == "testexample")
            #expect(created.object["file_batch_gb"] as? Int == 1)
            #expect(created.object["lock_threshold"] as? Int == 86400)
            #expect(created.object["include"] as? [String] == ["*.dat"])
            let duplicate = try await admin.post("/api/sites/", ["name": "testexample", "shortcode": "dup"])
            #expect(duplicate.status == 400 && duplicate.object["name"] != nil)

            let patched = try await admin.patch("/api/sites/\(id)/", ["shortcode": "Te", "file_batch_gb": 2.5, "include": NSNull()])
            #expect(patched.status == 200, "\(patched.text)")
            #expect(patched.object["shortcode"] as? String == "Te")
            #expect(patched.object["file_batch_gb"] as? Double == 2.5)
            #expect(patched.object["include"] is NSNull)
            #expect(patched.object["name"] as? String == "testexample")
            let negative = try await admin.patch("/api/sites/\(id)/", ["file_batch_gb": 0, "bandwidth": -5])
            #expect(negative.status == 400 && negative.object["file_batch_gb"] != nil && negative.object["bandwidth"] != nil)
            #expect(try await admin.get("/api/sites/\(id)/").object["file_batch_gb"] as? Double == 2.5, "a rejected PATCH changed nothing")

            let list = try await admin.get("/api/sites/").object
            let summary = try #require((list["results"] as? [[String: Any]])?.first { $0["id"] as? Int == id })
            #expect(summary["file_batch_size"] == nil, "settings appear only on one site, not in the list")

            // A site without workers is `ok` with an INFO alert, as the manual shows (L26175, L26275).
            let health = try await admin.get("/api/sites/\(id)/health/").object
            #expect(health["health"] as? String == "ok")
            let joined = try await eventually {
                let alerts = try await admin.get("/api/alerts/?name=SiteHealth&site=testexample").json() as? [[String: Any]] ?? []
                return alerts.first?["severity"] as? String == "INFO" && alerts.first?["summary"] as? String == "No workers are joined"
            }
            #expect(joined)

            #expect(try await admin.delete("/api/sites/\(id)/").status == 204)
            #expect(try await admin.get("/api/sites/\(id)/").status == 404)
            let cleared = try await eventually {
                (try await admin.get("/api/alerts/?site=testexample").json() as? [Any])?.isEmpty == true
            }
            #expect(cleared, "the deleted site's alert stayed")
        }
    }

    /// `/api/configurations/` and `/api/features/`: defaults, validation naming the key, JWT only.
    @Test func configurationAndFeatures() async throws {
        try await EngineHarness.with(redisIndex: 16, sites: [], hubEnvironment: Self.fast) { harness in
            let admin = harness.admin
            let defaults = try await admin.get("/api/configurations/").object
            #expect(defaults["jobs_ttl"] as? Int == 90)
            #expect(defaults["task_invalidation_timeout"] as? Int == 360)
            #expect(defaults["schedules_enabled"] as? Bool == true)
            let bad = try await admin.patch(
                "/api/configurations/", ["jobs_ttl": -1, "search_backend": "google", "no_such_key": 1, "schedules_enabled": "yes"])
            #expect(bad.status == 400)
            for key in ["jobs_ttl", "search_backend", "no_such_key", "schedules_enabled"] {
                #expect(bad.object[key] != nil, "no error for \(key): \(bad.text)")
            }
            #expect(try await admin.get("/api/configurations/").object["jobs_ttl"] as? Int == 90, "a rejected PATCH changed nothing")
            let good = try await admin.patch("/api/configurations/", ["jobs_ttl": 10, "search_backend": "analytics"])
            #expect(good.status == 200 && good.object["jobs_ttl"] as? Int == 10 && good.object["search_max_results"] as? Int == 200)

            let key = try await admin.post("/api/auth/clientkeys/", ["name": "config-key"]).object["key"] as? String ?? ""
            let byKey = try await HTTP.request("GET", harness.hub.url + "/api/configurations/", headers: ["Authorization": "Api-Key \(key)"])
            #expect(byKey.status == 401 || byKey.status == 403, "configurations accept JWT only: \(byKey.status)")

            let features = try await admin.get("/api/features/").object
            #expect(features["count"] as? Int == 2)
            let enabled = try await admin.patch("/api/features/searchui/", ["enabled": true])
            #expect(enabled.status == 200 && enabled.object["enabled"] as? Bool == true)
            #expect(try await admin.patch("/api/features/nothing/", ["enabled": true]).status == 404)
            #expect(try await admin.patch("/api/features/searchui/", ["enabled": "on"]).status == 400)
        }
    }

    /// Filesystems, filesets and pools appear after a refresh and follow the sandbox; a pool filled past
    /// the threshold raises an alert that clears when it drains.
    @Test func inventoryFollowsTheSiteAndPoolAlerts() async throws {
        try await EngineHarness.with(redisIndex: 16, sites: ["london"], pools: ["sas1=4M"], hubEnvironment: Self.fast) { harness in
            let admin = harness.admin
            let site = try harness.site("london")
            let siteID = try await Self.siteID("london", admin)
            let refresh = try await admin.post("/api/sites/\(siteID)/refresh/")
            #expect(refresh.status == 200 && refresh.object["dynamo.tasks.site_inventory"] is String, "\(refresh.text)")
            let listed = try await eventually(timeout: .seconds(30)) {
                let filesystems = try await admin.get("/api/filesystems/").object["results"] as? [[String: Any]] ?? []
                return filesystems.contains { $0["name"] as? String == "mmfs1" && $0["site"] as? String == "london" && $0["mountpoint"] as? String == site.mount }
            }
            #expect(listed, "filesystems never appeared:\n\(harness.log)")
            let pools = try await admin.get("/api/storagepools/").object["results"] as? [[String: Any]] ?? []
            let pool = try #require(pools.first { $0["name"] as? String == "sas1" })
            #expect(pool["capacity"] as? Int == 4 << 20 && pool["site"] as? Int == siteID && pool["is_default"] as? Bool == true)
            #expect(pool["used_space"] as? Int == 0)
            let filesets = try await admin.get("/api/filesets/?site=london").json() as? [[String: Any]] ?? []
            #expect(filesets.contains { $0["name"] as? String == "root" && $0["filesystem"] as? String == "mmfs1" })
            #expect(try await admin.get("/api/filesets/").status == 400, "site is required")
            // Now that the site's filesystems are known, a path outside them is refused at submission.
            let outside = try await admin.post("/api/file/workflow/", ["workflow": "migrate", "site": "london", "paths": ["/elsewhere/file"]])
            #expect(outside.status == 400 && outside.text.contains("/elsewhere/file"), "\(outside.text)")
            #expect(try await admin.get("/api/sites/\(siteID)/").object["spaces"].map { "\($0)" }?.contains("mmfs1") == true)

            // A new fileset and 3.8 MiB of data (95% of the pool).
            try "\n[fileset projects]\nfilesystem = mmfs1\n".appendLine(toFile: site.root.appendingPathComponent("london/ngsim-site.conf").path)
            try site.writeFiles("full", count: 19, size: 200 << 10)
            _ = try await admin.post("/api/sites/\(siteID)/refresh/")
            let changed = try await eventually(timeout: .seconds(30)) {
                let filesets = try await admin.get("/api/filesets/?site=london").json() as? [[String: Any]] ?? []
                let pools = try await admin.get("/api/storagepools/").object["results"] as? [[String: Any]] ?? []
                return filesets.contains { $0["name"] as? String == "projects" && $0["path"] as? String == site.mount + "/projects" }
                    && (pools.first?["used_space"] as? Int ?? 0) > 3 << 20
            }
            #expect(changed, "the refresh did not pick up the sandbox's changes")
            let raised = try await eventually {
                let alerts = try await admin.get("/api/alerts/?name=StoragePoolUtilisation").json() as? [[String: Any]] ?? []
                return alerts.contains { $0["site"] as? String == "london" && ($0["summary"] as? String ?? "").contains("sas1") }
            }
            #expect(raised, "no pool alert at 95%")

            try FileManager.default.removeItem(atPath: site.mount + "/full")
            _ = try await admin.post("/api/sites/\(siteID)/refresh/")
            let cleared = try await eventually(timeout: .seconds(30)) {
                (try await admin.get("/api/alerts/?name=StoragePoolUtilisation").json() as? [Any])?.isEmpty == true
            }
            #expect(cleared, "the pool alert stayed after the pool drained")
        }
    }

    /// Stopping the only worker turns the site critical and raises SiteHealth and WorkerHealth; starting it
    /// again clears them.
    @Test func workerLossTurnsTheSiteCriticalAndBack() async throws {
        try await EngineHarness.with(redisIndex: 16, sites: ["london"], hubEnvironment: Self.fast) { harness in
            let admin = harness.admin
            let site = try harness.site("london")
            let siteID = try await Self.siteID("london", admin)
            _ = try await admin.patch("/api/configurations/", ["node_health_last_heartbeat_interval": 3])
            #expect(try await admin.get("/api/sites/\(siteID)/health/").object["health"] as? String == "ok")
            await site.stopWorker()
            let critical = try await eventually(timeout: .seconds(30)) {
                let health = try await admin.get("/api/sites/\(siteID)/health/").object
                let alerts = try await admin.get("/api/alerts/?site=london").json() as? [[String: Any]] ?? []
                let names = Set(alerts.compactMap { $0["name"] as? String })
                return health["health"] as? String == "critical" && names.isSuperset(of: ["SiteHealth", "WorkerHealth"])
            }
            #expect(critical, "site did not turn critical:\n\(harness.log)")
            let overall = try await admin.get("/api/health/").object
            #expect(overall["overall_health"] as? String == "critical")

            try site.startWorker(logs: harness.hub.logs)
            let recovered = try await eventually(timeout: .seconds(30)) {
                let health = try await admin.get("/api/sites/\(siteID)/health/").object
                let alerts = try await admin.get("/api/alerts/?site=london").json() as? [Any] ?? [1]
                return health["health"] as? String == "ok" && alerts.isEmpty
            }
            #expect(recovered, "alerts did not clear after the worker came back")
        }
    }

    /// The engine obeys the site's batching: changing file_batch_size changes the next job's task count.
    @Test func fileBatchSizeShapesTheNextJob() async throws {
        try await EngineHarness.with(redisIndex: 16, sites: ["london"], hubEnvironment: Self.fast) { harness in
            let admin = harness.admin
            let site = try harness.site("london")
            let siteID = try await Self.siteID("london", admin)
            let paths = try site.writeFiles("batch", count: 20)
            func tasks(batch: Int) async throws -> Int {
                #expect(try await admin.patch("/api/sites/\(siteID)/", ["file_batch_size": batch]).status == 200)
                let job = try await admin.submit(["workflow": "migrate", "site": "london", "paths": paths, "discovery": NSNull()])
                let done = try await admin.waitForJob(job, log: { harness.log })
                #expect(done["state"] as? String == "SUCCESS")
                return try await admin.get("/api/tasks/?job_id=\(job)&page_size=0").object["count"] as? Int ?? -1
            }
            #expect(try await tasks(batch: 5) == 4)
            #expect(try await tasks(batch: 10) == 2)
        }
    }

    /// Dynamic file batching (on by default): a job of 12,000 files runs 80-file batches on a site set to
    /// 40; with enable_auto_file_batch_sizing off it runs 40-file batches.
    @Test func dynamicBatchingGrowsBatchesOfLargeJobs() async throws {
        try await EngineHarness.with(redisIndex: 16, sites: ["london"], hubEnvironment: Self.fast) { harness in
            let admin = harness.admin
            let site = try harness.site("london")
            let siteID = try await Self.siteID("london", admin)
            let created = try await admin.post("/api/workflows/", [
                "name": "noop_all", "label": "No-op", "discovery": NSNull(), "fields": [] as [Any],
                "filter_rules": [["type": "all", "state": "all", "action": [["name": "dynamo.tasks.noop"]]]],
            ])
            #expect(created.status == 201, "\(created.text)")
            // The no-op step touches nothing, so the paths need not exist.
            let paths = (0..<12_000).map { "\(site.mount)/many/f\($0)" }
            func tasks() async throws -> Int {
                let job = try await admin.submit(["workflow": "noop_all", "site": "london", "paths": paths, "discovery": NSNull()])
                let done = try await admin.waitForJob(job, log: { harness.log })
                #expect(done["state"] as? String == "SUCCESS")
                return try await admin.get("/api/tasks/?job_id=\(job)&page_size=1").object["count"] as? Int ?? -1
            }
            let detail = try await admin.get("/api/sites/\(siteID)/").object
            #expect(detail["enable_auto_file_batch_sizing"] as? Bool == true)
            #expect(try await tasks() == 150)
            #expect(try await admin.patch("/api/sites/\(siteID)/", ["enable_auto_file_batch_sizing": false]).status == 200)
            #expect(try await tasks() == 300)
        }
    }

    /// Housekeeping removes jobs older than jobs_ttl and keeps younger ones.
    @Test func oldJobsExpire() async throws {
        try await EngineHarness.with(redisIndex: 16, sites: ["london"], hubEnvironment: Self.fast) { harness in
            let admin = harness.admin
            let site = try harness.site("london")
            let paths = try site.writeFiles("ttl", count: 2)
            var jobs: [Int] = []
            for _ in 0..<2 {
                let job = try await admin.submit(["workflow": "migrate", "site": "london", "paths": paths, "discovery": NSNull()])
                _ = try await admin.waitForJob(job, log: { harness.log })
                jobs.append(job)
            }
            #expect(try await admin.patch("/api/configurations/", ["jobs_ttl": 1]).status == 200)
            let pool = PostgresPool(configuration: try PostgresConfiguration(url: harness.hub.database.url))
            _ = try await pool.execute("UPDATE jobs SET completed = now() - interval '2 days' WHERE id = $1", [.int(jobs[0])])
            await pool.close()
            let expired = try await eventually(timeout: .seconds(20)) {
                try await admin.get("/api/jobs/\(jobs[0])/").status == 404
            }
            #expect(expired, "the old job was not removed")
            #expect(try await admin.get("/api/jobs/\(jobs[1])/").status == 200, "a young job was removed")
        }
    }

    /// Site settings pushed as a settings job land on the site, show masked, and are listed by
    /// /api/settingstasks/ with their stats.
    @Test func siteSettingsRoundTrip() async throws {
        try await EngineHarness.with(redisIndex: 16, sites: ["london"], hubEnvironment: Self.fast) { harness in
            let admin = harness.admin
            let siteID = try await Self.siteID("london", admin)
            let bad = try await admin.patch("/api/sites/\(siteID)/settings/", ["values": [["key": "no-section", "value": 1]]])
            #expect(bad.status == 400 && bad.object["values"] != nil)
            let pushed = try await admin.patch(
                "/api/sites/\(siteID)/settings/",
                ["values": [["key": "ntp:servers", "value": ["0.pool.ntp.org"]], ["key": "s3:bucket:SecretAccessKey", "value": "hunter2-secret"]]])
            #expect(pushed.status == 202, "\(pushed.text)")
            let taskID = try #require(pushed.object["task_id"] as? String)
            let applied = try await eventually(timeout: .seconds(30)) {
                let settings = try await admin.get("/api/sites/\(siteID)/settings/").json() as? [[String: Any]] ?? []
                return settings.contains { $0["key"] as? String == "ntp:servers" }
            }
            #expect(applied, "settings never arrived:\n\(harness.log)")
            let settings = try await admin.get("/api/sites/\(siteID)/settings/").json() as? [[String: Any]] ?? []
            #expect(settings.first { $0["key"] as? String == "ntp:servers" }?["value"] as? [String] == ["0.pool.ntp.org"])
            #expect(settings.first { $0["key"] as? String == "s3:bucket:SecretAccessKey" }?["value"] as? String == "*****")
            let flat = try await admin.get("/api/sites/\(siteID)/settings/?flat=true").object
            #expect(flat["ntp:servers"] as? [String] == ["0.pool.ntp.org"])

            let task = try #require(
                (try await admin.get("/api/tasks/?page_size=0").object["results"] as? [[String: Any]])?.first { $0["task_id"] as? String == taskID })
            let job = try #require(task["job"] as? Int)
            let listed = try await admin.get("/api/settingstasks/?job_id=\(job)&state=SUCCESS").object
            #expect(listed["count"] as? Int == 1, "\(listed)")
            #expect((listed["stats"] as? [String: Any])?["state"] as? [String: Int] == ["SUCCESS": 1])
            let row = try #require((listed["results"] as? [[String: Any]])?.first)
            let detail = try await admin.get("/api/settingstasks/\(row["id"] as? Int ?? 0)/")
            #expect(detail.status == 200)
            #expect(!detail.text.contains("hunter2-secret"), "a secret leaked into the settings task view")
            #expect(try await admin.get("/api/settingstasks/").status == 400, "job_id is required")
            harness.hub.expectNoSecretsInLog(["hunter2-secret"])
        }
    }

    /// Datastores, their IP addresses and site links: stored, validated, served; credentials never shown.
    @Test func networkRecords() async throws {
        try await EngineHarness.with(redisIndex: 16, sites: ["london"], hubEnvironment: Self.fast) { harness in
            let admin = harness.admin
            let store = try await admin.post(
                "/api/datastores/", ["name": "aws-eu", "type": "AmazonS3", "endpoint": "s3.amazonaws.com", "secretaccesskey": "shh-secret-key"])
            #expect(store.status == 201, "\(store.text)")
            #expect(store.object["secretaccesskey"] as? String == "*****" && !store.text.contains("shh-secret-key"))
            let storeID = try #require(store.object["id"] as? Int)
            #expect(try await admin.post("/api/datastores/", ["type": "AmazonS3"]).object["name"] != nil)

            let bad = try await admin.post("/api/ipaddresses/", ["datastore": storeID, "ipaddr": "300.1.2.3"])
            #expect(bad.status == 400 && bad.object["ipaddr"] != nil)
            let missing = try await admin.post("/api/ipaddresses/", ["datastore": 9999, "ipaddr": "10.0.0.1"])
            #expect(missing.status == 400 && missing.object["datastore"] != nil)
            let address = try await admin.post("/api/ipaddresses/", ["datastore": storeID, "ipaddr": "10.0.0.1"])
            #expect(address.status == 201 && (address.object["datastore"] as? [String: Any])?["name"] as? String == "aws-eu", "\(address.text)")
            let listed = try await admin.get("/api/ipaddresses/?datastore_id=\(storeID)").object
            #expect(listed["count"] as? Int == 1)

            let link = try await admin.post(
                "/api/sitelinks/", ["site": "london", "site_path": "/mmfs1/data/", "datastore": "aws-eu", "datastore_path": "bucket/data", "bandwidth": 100])
            #expect(link.status == 201 && link.object["site_path"] as? String == "/mmfs1/data", "\(link.text)")
            let badLink = try await admin.post(
                "/api/sitelinks/", ["site": "nowhere", "site_path": "relative", "datastore": "aws-eu", "datastore_path": "x", "bandwidth": -1])
            #expect(badLink.status == 400)
            for field in ["site", "site_path", "bandwidth"] { #expect(badLink.object[field] != nil, "no error for \(field): \(badLink.text)") }
            let linkID = try #require(link.object["id"] as? Int)
            #expect(try await admin.patch("/api/sitelinks/\(linkID)/", ["bandwidth": 50]).object["bandwidth"] as? Int == 50)
            #expect(try await admin.delete("/api/datastores/\(storeID)/").status == 204)
            #expect(try await admin.get("/api/sitelinks/\(linkID)/").status == 404, "links go with their datastore")
        }
    }

    static func siteID(_ name: String, _ admin: APIClient) async throws -> Int {
        let sites = try await admin.get("/api/sites/?page_size=0").object["results"] as? [[String: Any]] ?? []
        return try #require(sites.first { $0["name"] as? String == name }?["id"] as? Int)
    }
}

extension String {
    func appendLine(toFile path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(utf8))
        try handle.close()
    }
}
