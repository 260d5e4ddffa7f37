import Foundation
import Synchronization
import Testing

@Suite("output contract and exit codes")
struct OutputContractTests {
    @Test("names with tab, newline and backslash are escaped and round-trip")
    func escaping() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let names = ["tab\there", "new\nline", "back\\slash", "all\t\n\\three"]
        var paths: [String] = []
        for name in names {
            let url = site.mount.appendingPathComponent(name)
            try Files.write(url, Data(name.utf8))
            paths.append(url.path)
        }
        let r = try await NGSim.run(["ngmigrate"] + paths, env: site.env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == names.count, "exactly one physical line per path")
        #expect(r.lines.map(\.path) == paths)
        #expect(r.stdout.contains("tab\\there"))
        #expect(r.stdout.contains("new\\nline"))
        #expect(r.stdout.contains("back\\\\slash"))
        let recall = try await NGSim.run(["ngrecall"] + paths, env: site.env)
        #expect(recall.lines.map(\.path) == paths)
        for (i, name) in names.enumerated() {
            #expect(try String(contentsOfFile: paths[i], encoding: .utf8) == name)
        }
    }

    @Test("--list keeps input order and relative paths are echoed as given")
    func listFile() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        var rels: [String] = []
        for i in (0..<30).reversed() {
            let rel = "mmfs1/l/file-\(i)"
            try Files.write(site.dir.appendingPathComponent(rel), Data("\(i)".utf8))
            rels.append(rel)
        }
        let list = scratch.sub("paths.txt")
        try Data((rels.dropFirst().joined(separator: "\n") + "\n").utf8).write(to: list)
        // Site found by walking up from the paths (no NGSIM_SITE).
        let r = try await NGSim.run(["ngmigrate", rels[0], "--list", list.path], cwd: site.dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.map(\.path) == rels)
    }

    @Test("exit code 2 for usage errors, 3 for environment errors; nothing is done")
    func exitCodes() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let f = site.mount.appendingPathComponent("f")
        try Files.write(f, Data("x".utf8))
        for args in [["ngmigrate", "--bogus", f.path], ["ngmigrate"], ["ngmigrate", "--lock-level", "total", f.path],
                     ["ngrecall", "--hydrate", f.path], ["ngmigrate", "--stub-size", "lots", f.path], ["frobnicate"]] {
            let r = try await NGSim.run(args, env: site.env)
            #expect(r.status == 2, "\(args)")
            #expect(r.stdout.isEmpty, "\(args)")
            #expect(!r.stderr.isEmpty, "\(args)")
        }
        let unknownTarget = try await NGSim.run(["ngmigrate", "--endpoint", "nowhere", f.path], env: site.env)
        #expect(unknownTarget.status == 3)
        #expect(unknownTarget.stderr.contains("nowhere"))
        let elsewhere = scratch.sub("not-a-site")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let noSite = try await NGSim.run(["ngmigrate", "x"], cwd: elsewhere)
        #expect(noSite.status == 3)
        #expect(noSite.stderr.contains("no ngsim site"))
        let badEnv = try await NGSim.run(["ngmigrate", f.path], env: ["NGSIM_SITE": elsewhere.path])
        #expect(badEnv.status == 3)
        #expect(try await NGSim.run(["state", f.path]).lines.first?.state == "resident", "nothing was done")
        #expect(try await NGSim.run(["ngmigrate", "--help"]).status == 0)
        #expect(try await NGSim.run(["--version"]).stdout.hasPrefix("ngsim "))
    }

    @Test("a config error names the file and line")
    func badConfig() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let conf = site.dir.appendingPathComponent("ngsim-site.conf")
        try (try String(contentsOf: conf, encoding: .utf8) + "\n[pool broken]\ncapacity = lots\n").write(to: conf, atomically: true, encoding: .utf8)
        let r = try await NGSim.run(["mmlspool", "mmfs1"], env: site.env)
        #expect(r.status == 3)
        #expect(r.stderr.contains("ngsim-site.conf:"))
        #expect(r.stderr.contains("capacity"))
    }

    @Test("install-links makes the tools callable by name")
    func installLinks() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let bin = scratch.sub("bin")
        let r = try await NGSim.run(["install-links", bin.path])
        #expect(r.status == 0)
        for name in ["ngmigrate", "ngrecall", "ngunmanage", "mmlsfs", "mmlsfileset", "mmlspool", "mmdf", "mmcrsnapshot",
                     "mmdelsnapshot", "mmlssnapshot", "mmapplypolicy", "mmlscluster"] {
            #expect(FileManager.default.fileExists(atPath: bin.appendingPathComponent(name).path), "\(name)")
        }
        let p = try await Subprocess.run(bin.appendingPathComponent("mmlscluster"), ["-Y"], environment: ["NGSIM_SITE": site.dir.path])
        let out = String(decoding: p.stdout, as: UTF8.self)
        #expect(p.status == 0)
        #expect(out.contains(":siteA:"))
    }

    @Test("install-links run again replaces the links without a moment where one is missing")
    func installLinksAgain() async throws {
        let scratch = try Scratch()
        let bin = scratch.sub("bin")
        #expect(try await NGSim.run(["install-links", bin.path]).status == 0)
        let link = bin.appendingPathComponent("mmlsfs").path
        // A temporary link a killed run left behind goes with the next run.
        try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent(".mmlsfs.ngsim-0a1b2c").path, withDestinationPath: link)
        // A reader polls the link while install-links runs again and again (a worker may be starting
        // tools from the folder while another site's setup re-links it). It runs on a thread of its own,
        // not the cooperative pool, which the suites running in parallel share.
        let watch = LinkWatch()
        Thread.detachNewThread {
            while !watch.state.withLock({ $0.stop }) {
                let present = access(link, F_OK) == 0
                watch.state.withLock { state in
                    state.checks += 1
                    if !present { state.missing += 1 }
                }
            }
            watch.state.withLock { $0.done = true }
        }
        #expect(try await eventually { watch.state.withLock { $0.checks > 0 } }, "the watching thread never ran")
        for _ in 0..<10 { #expect(try await NGSim.run(["install-links", bin.path]).status == 0) }
        watch.state.withLock { $0.stop = true }
        #expect(try await eventually { watch.state.withLock { $0.done } })
        let seen = watch.state.withLock { ($0.checks, $0.missing) }
        #expect(seen.1 == 0, "the link was missing in \(seen.1) of \(seen.0) checks")
        let left = try FileManager.default.contentsOfDirectory(atPath: bin.path).filter { $0.hasPrefix(".") }
        #expect(left.isEmpty, "temporary links left: \(left)")
        // A regular file where a link goes is not replaced.
        let mmdf = bin.appendingPathComponent("mmdf")
        try FileManager.default.removeItem(at: mmdf)
        try Data("keep".utf8).write(to: mmdf)
        let refused = try await NGSim.run(["install-links", bin.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("is not a symlink"), "\(refused.stderr)")
        #expect(try String(contentsOf: mmdf, encoding: .utf8) == "keep")
    }
}

/// What the link-watching thread of `installLinksAgain` saw.
private final class LinkWatch: Sendable {
    struct State { var stop = false, done = false, checks = 0, missing = 0 }
    let state = Mutex(State())
}

/// Polls `condition` every 10 ms for up to `seconds`, suspending in between.
private func eventually(seconds: Double = 10, _ condition: () -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
