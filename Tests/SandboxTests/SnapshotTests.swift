import Foundation
import Testing

@Suite("snapshots and snapdiff")
struct SnapshotTests {
    func diffLines(_ r: NGSim.Result) -> [String] {
        r.stdout.split(separator: "\n").map(String.init)
    }

    @Test("snapdiff reports each created, updated, moved and deleted entry exactly")
    func snapdiff() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA", extra: ["--fileset", "proj"])
        let root = site.mount.appendingPathComponent("proj")
        func at(_ rel: String) -> URL { root.appendingPathComponent(rel) }
        for rel in ["keep.txt", "modify.txt", "delete.txt", "move-src.txt", "tree/a.txt", "tree/sub/b.txt"] {
            try Files.write(at(rel), Data("original \(rel)\n".utf8))
        }
        // Outside the fileset: must not appear in the fileset's snapshots.
        try Files.write(site.mount.appendingPathComponent("outside.txt"), Data("o".utf8))

        let first = try await NGSim.run(["mmcrsnapshot", "mmfs1", "s1", "-j", "proj"], env: site.env)
        #expect(first.status == 0, "\(first.stderr)")
        let all = try await NGSim.run(["snapdiff", "mmfs1", "-", "s1", "-j", "proj"], env: site.env)
        #expect(all.status == 0)
        let rp = root.path
        #expect(diffLines(all) == ["delete.txt", "keep.txt", "modify.txt", "move-src.txt", "tree", "tree/a.txt", "tree/sub", "tree/sub/b.txt"]
            .map { "created\t\(rp)/\($0)\t" })

        // The changes. Deleting then creating lets ext4 reuse the inode number: the generation
        // number must keep that from looking like a move.
        try FileManager.default.removeItem(at: at("delete.txt"))
        try Files.write(at("new.txt"), Data("brand new\n".utf8))
        let handle = try FileHandle(forWritingTo: at("modify.txt"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("more\n".utf8))
        try handle.close()
        try FileManager.default.moveItem(at: at("move-src.txt"), to: at("moved.txt"))
        try FileManager.default.moveItem(at: at("tree"), to: at("tree2"))

        #expect(try await NGSim.run(["mmcrsnapshot", "mmfs1", "proj:s2"], env: site.env).status == 0)
        let diff = try await NGSim.run(["snapdiff", "mmfs1", "s1", "s2", "-j", "proj"], env: site.env)
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diffLines(diff) == [
            "moved\t\(rp)/moved.txt\t\(rp)/move-src.txt",
            "moved\t\(rp)/tree2\t\(rp)/tree",
            "moved\t\(rp)/tree2/a.txt\t\(rp)/tree/a.txt",
            "moved\t\(rp)/tree2/sub\t\(rp)/tree/sub",
            "moved\t\(rp)/tree2/sub/b.txt\t\(rp)/tree/sub/b.txt",
            "deleted\t\(rp)/delete.txt\t",
            "created\t\(rp)/new.txt\t",
            "updated\t\(rp)/modify.txt\t",
        ], "\(diff.stdout)")

        let condensed = try await NGSim.run(["snapdiff", "mmfs1", "s1", "s2", "-j", "proj", "--condense-moves", "--with-type"], env: site.env)
        #expect(diffLines(condensed) == [
            "moved\t\(rp)/moved.txt\t\(rp)/move-src.txt\tfile",
            "moved\t\(rp)/tree2\t\(rp)/tree\tdir",
            "deleted\t\(rp)/delete.txt\t\tfile",
            "created\t\(rp)/new.txt\t\tfile",
            "updated\t\(rp)/modify.txt\t\tfile",
        ], "\(condensed.stdout)")

        let list = try await NGSim.run(["mmlssnapshot", "mmfs1", "-Y"], env: site.env)
        let rows = list.stdout.split(separator: "\n").filter { !$0.contains("HEADER") }.map { $0.split(separator: ":", omittingEmptySubsequences: false) }
        #expect(rows.map { String($0[7]) } == ["s1", "s2"])
        #expect(rows.map { String($0[8]) } == ["1", "2"])
        #expect(rows.map { String($0[14]) } == ["proj", "proj"])

        #expect(try await NGSim.run(["mmcrsnapshot", "mmfs1", "s1", "-j", "proj"], env: site.env).status == 1, "duplicate name")
        #expect(try await NGSim.run(["mmdelsnapshot", "mmfs1", "s1", "-j", "proj"], env: site.env).status == 0)
        #expect(try await NGSim.run(["mmdelsnapshot", "mmfs1", "s1", "-j", "proj"], env: site.env).status == 1)
        #expect(try await NGSim.run(["snapdiff", "mmfs1", "s1", "s2", "-j", "proj"], env: site.env).status == 1)
        let after = try await NGSim.run(["mmlssnapshot", "mmfs1"], env: site.env)
        #expect(after.stdout.contains("s2") && !after.stdout.contains("s1 "))
    }

    @Test("a global snapshot covers the whole filesystem; dependent filesets cannot be snapshotted")
    func globalSnapshot() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA", extra: ["--fileset", "proj", "--fileset", "dep:dependent"])
        try Files.write(site.mount.appendingPathComponent("proj/in.txt"), Data("i".utf8))
        try Files.write(site.mount.appendingPathComponent("top.txt"), Data("t".utf8))
        #expect(try await NGSim.run(["mmcrsnapshot", "mmfs1", "g1"], env: site.env).status == 0)
        let diff = try await NGSim.run(["snapdiff", "mmfs1", "-", "g1"], env: site.env)
        let m = site.mount.path
        #expect(diff.stdout.split(separator: "\n").map(String.init) == ["dep", "proj", "proj/in.txt", "top.txt"].map { "created\t\(m)/\($0)\t" })
        let dep = try await NGSim.run(["mmcrsnapshot", "mmfs1", "d1", "-j", "dep"], env: site.env)
        #expect(dep.status == 1)
        #expect(dep.stderr.contains("independent"))
    }
}
