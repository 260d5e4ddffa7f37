import Foundation
import Postgres
import Testing

/// Schedules end to end (issue 7): validation naming the field, one job per occurrence with two hub
/// replicas, a missed run after downtime runs once, the switches stop them, and the job's owner is the
/// schedule. Occurrences are put in the past through the database instead of waiting for the clock.
@Suite(.serialized) struct ScheduleTests {
    @Test func invalidSchedulesAreRejectedByField() async throws {
        try await EngineHarness.with(redisIndex: 17, sites: ["london"]) { harness in
            let admin = harness.admin
            let bad = try await admin.post(
                "/api/schedules/",
                ["name": "bad", "site": "nowhere", "hour": "25", "day_of_week": "funday", "timezone": "Mars/Base", "managed_paths": ["data"]])
            #expect(bad.status == 400)
            for field in ["site", "hour", "day_of_week", "timezone", "managed_paths"] {
                #expect(bad.object[field] != nil, "no error for \(field): \(bad.text)")
            }
            let mount = try harness.site("london").mount
            let first = try await admin.post(
                "/api/schedules/",
                ["name": "nightly", "site": "london", "minute": "0", "hour": "2", "managed_paths": [mount + "/data"],
                 "workflows": [["workflow": "migrate", "site": "london"]]])
            #expect(first.status == 201, "\(first.text)")
            #expect(first.object["timezone"] as? String == "UTC", "the site's time zone by default")
            #expect((first.object["description"] as? String ?? "").contains("02:00"))
            let clash = try await admin.post(
                "/api/schedules/", ["name": "again", "site": "london", "managed_paths": [mount + "/data/"]])
            #expect(clash.status == 400 && (clash.text.contains("nightly")), "one schedule per path per site: \(clash.text)")
            let badWorkflow = try await admin.post(
                "/api/schedules/\(first.object["id"] as? Int ?? 0)/workflows/", ["workflow": "nonesuch", "site": "london"])
            #expect(badWorkflow.status == 400 && badWorkflow.object["workflow"] != nil)

            // The UI's forms: every 15 minutes on Monday, Wednesday, Friday; 05:00 on weekdays.
            let periodic = try await admin.post(
                "/api/schedules/", ["name": "quarterly", "site": "london", "frequency": ["type": "periodic", "every": 15, "unit": "minutes", "days": [1, 3, 5]]])
            #expect(periodic.status == 201, "\(periodic.text)")
            #expect(periodic.object["minute"] as? String == "*/15" && periodic.object["day_of_week"] as? String == "1,3,5")
            let daily = try await admin.post(
                "/api/schedules/", ["name": "five", "site": "london", "frequency": ["type": "time", "time": "05:00", "days": [1, 2, 3, 4, 5]]])
            #expect(daily.status == 201 && daily.object["hour"] as? String == "5" && daily.object["minute"] as? String == "0", "\(daily.text)")
            let badForm = try await admin.post(
                "/api/schedules/", ["name": "bad-form", "site": "london", "frequency": ["type": "periodic", "every": 0, "days": [9]]])
            #expect(badForm.status == 400 && badForm.object["frequency"] != nil, "\(badForm.text)")
        }
    }

    /// Three daily occurrences were missed while "the hub was down": with two replicas running, exactly
    /// one job starts, owned by the schedule; the switches stop the next ones.
    @Test func missedOccurrenceRunsOnceAcrossReplicas() async throws {
        try await EngineHarness.with(redisIndex: 17, sites: ["london"]) { harness in
            let admin = harness.admin
            _ = try await harness.hub.startReplica()
            let site = try harness.site("london")
            try site.writeFiles("sched", count: 3)
            let now = Date()
            let utc = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: now.addingTimeInterval(-600))
            let created = try await admin.post(
                "/api/schedules/",
                ["name": "daily-archive", "site": "london", "minute": "\(utc.minute ?? 0)", "hour": "\(utc.hour ?? 0)",
                 "managed_paths": [site.mount + "/sched"], "discovery": "recursive",
                 "workflows": [["workflow": "migrate", "site": "london"]]])
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.object["id"] as? Int)
            let pool = PostgresPool(configuration: try PostgresConfiguration(url: harness.hub.database.url))
            defer { Task { await pool.close() } }
            // Created four days ago, last ran three days ago: three occurrences missed.
            _ = try await pool.execute(
                "UPDATE schedules SET created = now() - interval '4 days', last_due = now() - interval '3 days' WHERE id = $1", [.int(id)])
            let started = try await eventually(timeout: .seconds(20)) {
                try await pool.query("SELECT count(*) AS n FROM jobs WHERE schedule_id = $1", [.int(id)]).decodeColumn(Int.self, "n").first == 1
            }
            #expect(started, "the missed occurrence did not run:\n\(harness.log)")
            try await Task.sleep(for: .seconds(3))
            let jobs = try await pool.query("SELECT id FROM jobs WHERE schedule_id = $1", [.int(id)]).decodeColumn(Int.self, "id")
            #expect(jobs.count == 1, "\(jobs.count) jobs for one occurrence")
            let job = try #require(jobs.first)
            let done = try await admin.waitForJob(job, log: { harness.log })
            #expect(done["state"] as? String == "SUCCESS")
            #expect((done["owner"] as? [String: Any])?["name"] as? String == "daily-archive")
            let systemJobs = try await admin.get("/api/jobs/?owner_ids=-2&page_size=0").object["results"] as? [[String: Any]] ?? []
            #expect(systemJobs.contains { $0["id"] as? Int == job }, "the scheduled job is not among system jobs")
            #expect(try await site.state(site.mount + "/sched/file-0.dat") == "migrated")

            // Disabled: a missed occurrence does not run, and re-enabling does not owe it.
            #expect(try await admin.patch("/api/schedules/\(id)/", ["enabled": false]).status == 200)
            _ = try await pool.execute("UPDATE schedules SET last_due = now() - interval '3 days' WHERE id = $1", [.int(id)])
            try await Task.sleep(for: .seconds(3))
            #expect(try await pool.query("SELECT count(*) AS n FROM jobs WHERE schedule_id = $1", [.int(id)]).decodeColumn(Int.self, "n").first == 1)
            #expect(try await admin.patch("/api/schedules/\(id)/", ["enabled": true]).status == 200)

            // The global switch: nothing starts while it is off, nothing is owed when it is back on.
            #expect(try await admin.patch("/api/configurations/", ["schedules_enabled": false]).status == 200)
            _ = try await pool.execute("UPDATE schedules SET last_due = now() - interval '3 days' WHERE id = $1", [.int(id)])
            try await Task.sleep(for: .seconds(3))
            #expect(try await admin.patch("/api/configurations/", ["schedules_enabled": true]).status == 200)
            try await Task.sleep(for: .seconds(3))
            #expect(try await pool.query("SELECT count(*) AS n FROM jobs WHERE schedule_id = $1", [.int(id)]).decodeColumn(Int.self, "n").first == 1)
            let schedule = try await admin.get("/api/schedules/\(id)/").object
            #expect(schedule["enabled"] as? Bool == true, "the switch did not touch the schedule's own state")

            // Run now.
            let run = try await admin.post("/api/schedules/\(id)/run/")
            #expect(run.status == 201 && (run.object["jobs"] as? [Int])?.count == 1, "\(run.text)")
        }
    }

    /// A schedule due at the next minute fires once with two replicas running; with every hub down over a
    /// due time, the missed occurrence runs once when a hub comes back.
    @Test func dueScheduleFiresOnceAndAMissedOneRunsAtRestart() async throws {
        try await EngineHarness.with(redisIndex: 20, sites: ["london"]) { harness in
            let admin = harness.admin
            _ = try await harness.hub.startReplica()
            let site = try harness.site("london")
            try site.writeFiles("minute", count: 1)
            let created = try await admin.post(
                "/api/schedules/",
                ["name": "every-minute", "site": "london", "minute": "*", "managed_paths": [site.mount + "/minute"],
                 "workflows": [["workflow": "migrate", "site": "london"]]])
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.object["id"] as? Int)
            let pool = PostgresPool(configuration: try PostgresConfiguration(url: harness.hub.database.url))
            func runs() async throws -> [(due: Date, jobs: Int)] {
                try await pool.query(
                    "SELECT due, count(job_id) AS jobs FROM schedule_runs WHERE schedule_id = $1 GROUP BY due ORDER BY due", [.int(id)]
                ).map { (try $0.decode(Date.self, "due"), try $0.decode(Int.self, "jobs")) }
            }
            let fired = try await eventually(timeout: .seconds(75), every: .milliseconds(250)) { try await !runs().isEmpty }
            #expect(fired, "the schedule never fired:\n\(harness.log)")
            try await Task.sleep(for: .seconds(2))
            let first = try await runs()
            #expect(first.allSatisfy { $0.jobs == 1 }, "an occurrence started \(first.map(\.jobs)) jobs")
            // A figure, not an assertion (wall-clock bounds belong to measurements): how late it fired.
            let lateness = try await pool.query(
                "SELECT max(extract(epoch FROM fired - due))::float8 AS late FROM schedule_runs WHERE schedule_id = $1", [.int(id)]
            ).decodeColumn(Double.self, "late").first ?? -1
            print("schedule fired \(String(format: "%.3f", lateness)) s after its due time")
            let jobCount = try await pool.query("SELECT count(*) AS n FROM jobs WHERE schedule_id = $1", [.int(id)]).decodeColumn(Int.self, "n").first
            #expect(jobCount == first.count)

            // Every hub down across the next minute boundary, then one comes back on the same port.
            await harness.hub.stopProcesses(expectCleanExit: false)
            let last = try #require(first.last?.due)
            let boundary = last.addingTimeInterval(60)
            try await Task.sleep(for: .seconds(max(0, boundary.timeIntervalSinceNow) + 3))
            let port = try #require(URLComponents(string: harness.hub.url)?.port)
            _ = try await harness.hub.startReplica(port: port)
            let caughtUp = try await eventually(timeout: .seconds(30)) { try await runs().contains { $0.due >= boundary } }
            #expect(caughtUp, "the missed occurrence did not run at restart")
            try await Task.sleep(for: .seconds(2))
            let after = try await runs()
            #expect(after.allSatisfy { $0.jobs == 1 }, "an occurrence started \(after.map(\.jobs)) jobs")
            #expect(after.filter { $0.due > last }.count <= 2, "missed ticks were replayed: \(after.map(\.due))")
            await pool.close()
        }
    }
}
