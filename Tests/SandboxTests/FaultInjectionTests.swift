import Foundation
import Testing

@Suite("fault injection by environment")
struct FaultInjectionTests {
    func fiveFiles(_ site: Scratch.Site) throws -> [String] {
        try (1...5).map { i in
            let url = site.mount.appendingPathComponent("batch/f\(i)")
            try Files.write(url, Data("file \(i)\n".utf8))
            return url.path
        }
    }

    @Test("NGSIM_FAIL and NGSIM_ABORT hit exactly the matching files")
    func failAndAbort() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let paths = try fiveFiles(site)
        var env = site.env
        env["NGSIM_FAIL"] = "*/f2|*/f4"
        env["NGSIM_ABORT"] = "*/f3"
        let r = try await NGSim.run(["ngmigrate"] + paths, env: env)
        #expect(r.status == 1)
        #expect(r.lines.map(\.state) == ["processed", "failed", "aborted", "failed", "processed"])
        #expect(r.lines[1].message == "injected failure")
        #expect(r.lines[2].message == "injected abort")
        let states = try await NGSim.run(["state"] + paths).lines.map(\.state)
        #expect(states == ["migrated", "resident", "resident", "resident", "migrated"])
    }

    @Test("NGSIM_CRASH kills the process at the matching file; earlier files are complete")
    func crash() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let paths = try fiveFiles(site)
        var env = site.env
        env["NGSIM_CRASH"] = "*/f3"
        let r = try await NGSim.run(["ngmigrate"] + paths, env: env)
        #expect(r.signalled)
        #expect(r.status == SIGKILL)
        #expect(r.lines.map(\.path) == Array(paths.prefix(2)), "lines were flushed before the crash")
        let states = try await NGSim.run(["state"] + paths).lines.map(\.state)
        #expect(states == ["migrated", "migrated", "resident", "resident", "resident"])
        let leftovers = (FileManager.default.enumerator(atPath: site.targetDir.path)?.allObjects as? [String] ?? []).filter { $0.contains("@tmp") }
        #expect(leftovers.isEmpty)
        // A rerun finishes the batch: done files are skipped.
        let rerun = try await NGSim.run(["ngmigrate"] + paths, env: site.env)
        #expect(rerun.status == 0)
        #expect(rerun.lines.map(\.state) == ["skipped", "skipped", "processed", "processed", "processed"])
    }

    @Test("NGSIM_SLOW delays matching files only")
    func slow() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let paths = try fiveFiles(site)
        var env = site.env
        env["NGSIM_SLOW"] = "*/f1|*/f2:300"
        let start = Date()
        let r = try await NGSim.run(["ngmigrate"] + paths, env: env)
        #expect(r.status == 0)
        #expect(Date().timeIntervalSince(start) >= 0.6)
        env["NGSIM_SLOW"] = "no-colon"
        #expect(try await NGSim.run(["ngrecall"] + paths, env: env).status == 3)
    }
}
