import Foundation
import Testing

@Suite("mmapplypolicy subset")
struct PolicyTests {
    func entries(_ url: URL) throws -> [String] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func paths(_ lines: [String]) -> [String] {
        lines.compactMap { $0.components(separatedBy: " -- ").last }
    }

    @Test("LIST rules with WHERE, SHOW, EXCLUDE and -I defer write GPFS-style lists")
    func lists() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let m = site.mount
        try Files.write(m.appendingPathComponent("small.txt"), Data("0123456789".utf8))
        try Files.write(m.appendingPathComponent("big.bin"), Files.random(200_000))
        try Files.write(m.appendingPathComponent("old.log"), Data("old".utf8))
        try Files.write(m.appendingPathComponent("skip.tmp"), Data("tmp".utf8))
        try Files.write(m.appendingPathComponent("sub/x.dat"), Data("x".utf8))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -40 * 86400)], ofItemAtPath: m.appendingPathComponent("old.log").path)
        let policy = scratch.sub("policy.pol")
        try """
        /* lists for the test */
        RULE 'ext' EXTERNAL LIST 'rest' EXEC ''
        RULE 'no-tmp' EXCLUDE WHERE NAME LIKE '%.tmp'
        RULE 'old' LIST 'old' WHERE (DAYS(CURRENT_TIMESTAMP) - DAYS(MODIFICATION_TIME)) > 30
        RULE 'big' LIST 'big' SHOW(VARCHAR(FILE_SIZE) || ' ' || MISC_ATTRIBUTES) WHERE FILE_SIZE > 100000 AND NOT PATH_NAME LIKE '%/sub/%'
        RULE 'rest' LIST 'rest' WHERE NAME LIKE '_____.___' OR FILE_SIZE = 1
        """.write(to: policy, atomically: true, encoding: .utf8)
        let prefix = scratch.sub("out/run").path
        try FileManager.default.createDirectory(at: scratch.sub("out"), withIntermediateDirectories: true)
        let r = try await NGSim.run(["mmapplypolicy", m.path, "-P", policy.path, "-I", "defer", "-f", prefix], env: site.env)
        #expect(r.status == 0, "\(r.stderr)")
        let old = try entries(URL(fileURLWithPath: prefix + ".list.old"))
        let big = try entries(URL(fileURLWithPath: prefix + ".list.big"))
        let rest = try entries(URL(fileURLWithPath: prefix + ".list.rest"))
        #expect(paths(old) == [m.appendingPathComponent("old.log").path])
        #expect(paths(big) == [m.appendingPathComponent("big.bin").path])
        #expect(big.first?.contains(" 0  200000 F -- ") == true, "\(big)")
        #expect(Set(paths(rest)) == [m.appendingPathComponent("small.txt").path, m.appendingPathComponent("sub/x.dat").path])
        // inode generation snapid, two spaces, shown text, " -- ", path
        let format = /^\d+ \d+ 0  .* -- \/.+$/
        #expect((old + big + rest).allSatisfy { $0.wholeMatch(of: format) != nil })
        let inode = (try FileManager.default.attributesOfItem(atPath: m.appendingPathComponent("old.log").path)[.systemFileNumber] as? UInt64) ?? 0
        #expect(old.first?.hasPrefix("\(inode) ") == true)
    }

    @Test("MISC_ATTRIBUTES shows migrated and premigrated files")
    func miscAttributes() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let m = site.mount
        for name in ["mig", "pre", "res"] { try Files.write(m.appendingPathComponent(name), Data(name.utf8)) }
        #expect(try await NGSim.run(["ngmigrate", m.appendingPathComponent("mig").path], env: site.env).status == 0)
        #expect(try await NGSim.run(["ngmigrate", "--premigrate", m.appendingPathComponent("pre").path], env: site.env).status == 0)
        let policy = scratch.sub("p.pol")
        try """
        RULE 'm' LIST 'migrated' WHERE MISC_ATTRIBUTES LIKE '%M%'
        RULE 'p' LIST 'premigrated' WHERE MISC_ATTRIBUTES LIKE '%P%'
        RULE 'r' LIST 'resident' WHERE POOL_NAME = 'system' AND FILESET_NAME = 'root'
        """.write(to: policy, atomically: true, encoding: .utf8)
        let prefix = scratch.sub("run").path
        #expect(try await NGSim.run(["mmapplypolicy", "mmfs1", "-P", policy.path, "-I", "defer", "-f", prefix], env: site.env).status == 0)
        #expect(paths(try entries(URL(fileURLWithPath: prefix + ".list.migrated"))) == [m.appendingPathComponent("mig").path])
        #expect(paths(try entries(URL(fileURLWithPath: prefix + ".list.premigrated"))) == [m.appendingPathComponent("pre").path])
        #expect(paths(try entries(URL(fileURLWithPath: prefix + ".list.resident"))) == [m.appendingPathComponent("res").path])
    }

    @Test("MIGRATE with THRESHOLD picks files by WEIGHT until the pool is under the low mark")
    func thresholdMigrate() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA", extra: ["--pool", "data=1M"])
        let m = site.mount
        // 300K + 200K + 100K = 600K of 1M: 58.6% used.
        for (name, size) in [("a300", 300 * 1024), ("b200", 200 * 1024), ("c100", 100 * 1024)] {
            try Files.write(m.appendingPathComponent(name), Files.random(size))
        }
        let log = scratch.sub("exec.log")
        let script = scratch.sub("hsm.sh")
        try "#!/bin/sh\necho \"$@\" >> '\(log.path)'\ncat \"$2\" >> '\(log.path)'\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        func run(_ high: Int, _ low: Int) async throws -> [String] {
            let policy = scratch.sub("t.pol")
            try """
            RULE 'hsm' EXTERNAL POOL 'ngenea' EXEC '\(script.path)' OPTS '-x'
            RULE 'tier' MIGRATE FROM POOL 'data' THRESHOLD(\(high),\(low)) WEIGHT(FILE_SIZE) TO POOL 'ngenea' WHERE FILE_SIZE > 0
            """.write(to: policy, atomically: true, encoding: .utf8)
            let prefix = scratch.sub("tier").path
            try? FileManager.default.removeItem(atPath: prefix + ".list.ngenea")
            let r = try await NGSim.run(["mmapplypolicy", m.path, "-P", policy.path, "-I", "defer", "-f", prefix], env: site.env)
            #expect(r.status == 0, "\(r.stderr)")
            return paths(try entries(URL(fileURLWithPath: prefix + ".list.ngenea")))
        }
        #expect(try await run(50, 30) == [m.appendingPathComponent("a300").path], "largest first, stop under 30%")
        #expect(try await run(50, 10) == ["a300", "b200"].map { m.appendingPathComponent($0).path })
        #expect(try await run(70, 30) == [], "58% is under the high mark: nothing")

        // -I yes runs the external pool's program: PROGRAM MIGRATE LISTFILE OPTS.
        let policy = scratch.sub("y.pol")
        try """
        RULE 'hsm' EXTERNAL POOL 'ngenea' EXEC '\(script.path)' OPTS '-x'
        RULE 'tier' MIGRATE FROM POOL 'data' THRESHOLD(50,30) WEIGHT(FILE_SIZE) TO POOL 'ngenea'
        """.write(to: policy, atomically: true, encoding: .utf8)
        let y = try await NGSim.run(["mmapplypolicy", m.path, "-P", policy.path, "-I", "yes", "-f", scratch.sub("yes").path], env: site.env)
        #expect(y.status == 0, "\(y.stderr)")
        let logged = try String(contentsOf: log, encoding: .utf8)
        #expect(logged.hasPrefix("MIGRATE \(scratch.sub("yes").path).list.ngenea -x\n"), "\(logged)")
        #expect(logged.contains(" -- \(m.appendingPathComponent("a300").path)"))
    }

    @Test("unsupported or malformed policies are rejected with the line number")
    func parseErrors() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let cases = [
            ("RULE 'x' SET POOL 'a'", "line 1", "SET"),
            ("RULE 'a' LIST 'l'\n\nRULE 'b' LIST 'l' WHERE FILE_SIZE >", "line 3", "expected a value"),
            ("RULE 'a' LIST 'l' WHERE BOGUS_ATTR = 1", "line 1", "BOGUS_ATTR"),
            ("RULE 'a' LIST 'l'\nRULE 'm' MIGRATE TO POOL 'nowhere'", "line 2", "nowhere"),
            ("RULE 'a' LIST 'l' WHERE NAME LIKE 'x", "line 1", "unterminated string"),
        ]
        for (text, line, word) in cases {
            let policy = scratch.sub("bad.pol")
            try text.write(to: policy, atomically: true, encoding: .utf8)
            let r = try await NGSim.run(["mmapplypolicy", "mmfs1", "-P", policy.path, "-I", "test"], env: site.env)
            #expect(r.status == 2, "\(text)")
            #expect(r.stderr.contains(line) && r.stderr.contains(word), "\(text): \(r.stderr)")
        }
    }

    @Test("MIGRATE to an internal pool moves the file's usage to that pool (mmdf)")
    func internalPool() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA", extra: ["--pool", "fast=10M", "--pool", "slow=100M"])
        try Files.write(site.mount.appendingPathComponent("cold.bin"), Files.random(512 * 1024))
        func used() async throws -> [String: Int64] {
            let rows = parseY(try await NGSim.run(["mmdf", "mmfs1", "-Y"], env: site.env).stdout)["poolTotal"] ?? []
            var result: [String: Int64] = [:]
            for row in rows { result[row["poolName"] ?? ""] = Int64(row["usedBytes"] ?? "") }
            return result
        }
        let before = try await used()
        #expect((before["fast"] ?? 0) >= 512 * 1024)
        #expect(before["slow"] == 0)
        let policy = scratch.sub("i.pol")
        try "RULE 'down' MIGRATE FROM POOL 'fast' TO POOL 'slow' WHERE NAME = 'cold.bin'".write(to: policy, atomically: true, encoding: .utf8)
        let r = try await NGSim.run(["mmapplypolicy", "mmfs1", "-P", policy.path], env: site.env)
        #expect(r.status == 0, "\(r.stderr)")
        let after = try await used()
        #expect(after["fast"] == 0)
        #expect(after["slow"] == before["fast"])
    }
}

/// What the hub's policy compiler emits (docs/policies.md): LIKE ... ESCAPE, LIMIT, the premigrate
/// watermark, HSM-aware candidates and defer mode's pool assignment.
extension PolicyTests {
    @Test("LIKE ... ESCAPE makes % and _ literal")
    func likeEscape() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let m = site.mount
        for name in ["a_b/x", "aXb/x", "100%/x", "100X/x"] { try Files.write(m.appendingPathComponent(name), Data("x".utf8)) }
        let policy = scratch.sub("e.pol")
        try #"""
        RULE 'u' LIST 'underscore' WHERE PATH_NAME LIKE '%/a\_b/%' ESCAPE '\'
        RULE 'p' LIST 'percent' WHERE PATH_NAME LIKE '%/100!%/%' ESCAPE '!'
        """#.write(to: policy, atomically: true, encoding: .utf8)
        let prefix = scratch.sub("run").path
        let r = try await NGSim.run(["mmapplypolicy", m.path, "-P", policy.path, "-I", "defer", "-f", prefix], env: site.env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(paths(try entries(URL(fileURLWithPath: prefix + ".list.underscore"))) == [m.appendingPathComponent("a_b/x").path])
        #expect(paths(try entries(URL(fileURLWithPath: prefix + ".list.percent"))) == [m.appendingPathComponent("100%/x").path])
        let bad = scratch.sub("bad.pol")
        try "RULE 'u' LIST 'l' WHERE NAME LIKE 'a' ESCAPE 'ab'".write(to: bad, atomically: true, encoding: .utf8)
        let refused = try await NGSim.run(["mmapplypolicy", m.path, "-P", bad.path, "-I", "test"], env: site.env)
        #expect(refused.status == 2 && refused.stderr.contains("ESCAPE"), "\(refused.stderr)")
    }

    @Test("THRESHOLD(high,low,premigrate) lists files to migrate, then files to pre-migrate; migrated files are no candidates")
    func premigrateWatermark() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA", extra: ["--pool", "data=1M"])
        let m = site.mount
        // 300K + 200K + 100K + a 400K stub (a block at most) = 600-604K of 1M: about 59% used.
        for (name, size) in [("a300", 300 * 1024), ("b200", 200 * 1024), ("c100", 100 * 1024), ("stub400", 400 * 1024)] {
            try Files.write(m.appendingPathComponent(name), Files.random(size))
        }
        #expect(try await NGSim.run(["ngmigrate", m.appendingPathComponent("stub400").path], env: site.env).status == 0)
        let policy = scratch.sub("w.pol")
        try """
        RULE EXTERNAL POOL 'ngenea' EXEC '' ESCAPE '%/'
        RULE 'data_to_ngenea' MIGRATE FROM POOL 'data' THRESHOLD(50,30,15) WEIGHT(FILE_SIZE) TO POOL 'ngenea' SHOW(VARCHAR(FILE_SIZE))
        """.write(to: policy, atomically: true, encoding: .utf8)
        let prefix = scratch.sub("w").path
        let r = try await NGSim.run(["mmapplypolicy", m.path, "-P", policy.path, "-I", "defer", "-f", prefix], env: site.env)
        #expect(r.status == 0, "\(r.stderr)")
        // a300 takes the pool to about 29.5% (<= 30); b200 then to about 10% (<= 15) as a pre-migration.
        let migrate = try entries(URL(fileURLWithPath: prefix + ".list.ngenea"))
        #expect(paths(migrate) == [m.appendingPathComponent("a300").path])
        #expect(migrate.first?.contains(" 0  307200 -- ") == true, "\(migrate)")
        #expect(paths(try entries(URL(fileURLWithPath: prefix + ".premigrate.ngenea"))) == [m.appendingPathComponent("b200").path])
        #expect(try await NGSim.run(["state", m.appendingPathComponent("a300").path], env: site.env).stdout.hasPrefix("resident"),
                "defer mode migrates nothing")
    }

    @Test("LIMIT on an internal destination is a best fit; -I defer assigns the files to the new pool")
    func limitAndDeferredInternalMoves() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA", extra: ["--pool", "fast=1M", "--pool", "slow=1M"])
        let m = site.mount
        for (name, size) in [("a500", 500 * 1024), ("b300", 300 * 1024), ("c100", 100 * 1024)] {
            try Files.write(m.appendingPathComponent(name), Files.random(size))
        }
        let policy = scratch.sub("l.pol")
        try """
        RULE 'fast_to_slow' MIGRATE FROM POOL 'fast' WEIGHT(KB_ALLOCATED) TO POOL 'slow' LIMIT(60) SHOW(VARCHAR(FILE_SIZE))
        """.write(to: policy, atomically: true, encoding: .utf8)
        let r = try await NGSim.run(["mmapplypolicy", m.path, "-P", policy.path, "-I", "defer", "-f", scratch.sub("l").path], env: site.env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("2 files assigned to other internal pools"), "\(r.stdout)")
        // 60% of 1M is 614.4K: a500 fits, b300 would not (800K), c100 does (600K).
        let rows = parseY(try await NGSim.run(["mmdf", "mmfs1", "-Y"], env: site.env).stdout)["poolTotal"] ?? []
        var used: [String: Int64] = [:]
        for row in rows { used[row["poolName"] ?? ""] = Int64(row["usedBytes"] ?? "") }
        #expect(used["slow"] == Int64(600 * 1024))
        #expect(used["fast"] == Int64(300 * 1024))
    }
}
