import Foundation
import Testing

@Suite("ngmigrate and ngrecall")
struct MigrateRecallTests {
    /// The files of the round-trip tree: sizes 0, 1, 5 MiB, odd names, nesting.
    static func tree() -> [(String, Data)] {
        [
            ("empty", Data()),
            ("one-byte", Data([0x5A])),
            ("big 5MiB.bin", Files.random(5 << 20)),
            ("dir with spaces/file name.txt", Data("hello, sandbox\n".utf8)),
            ("ünïcödé/файл ✓ 日本.txt", Data("unicode content ✓\n".utf8)),
            ("a/b/c/d/deep.dat", Files.random(70_001)),
        ]
    }

    @Test("migrate then recall gives back byte-identical files")
    func roundTrip() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let files = Self.tree()
        var paths: [String] = []
        for (rel, data) in files {
            let url = site.mount.appendingPathComponent(rel)
            try Files.write(url, data)
            paths.append(url.path)
        }
        let before = try await Files.sha256sum(paths)
        let mtimes = try paths.map { try FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date }

        let migrate = try await NGSim.run(["ngmigrate"] + paths, env: site.env)
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(migrate.lines.map(\.path) == paths, "one line per path, in input order")
        #expect(migrate.lines.allSatisfy { $0.state == "processed" }, "\(migrate.stdout)")

        let state = try await NGSim.run(["state"] + paths)
        #expect(state.lines.map(\.state) == Array(repeating: "migrated", count: paths.count), "\(state.stdout)")
        for (i, (rel, data)) in files.enumerated() {
            let (allocated, size) = Files.allocation(paths[i])
            #expect(size == Int64(data.count), "size of \(rel) kept")
            #expect(allocated <= 8192, "\(rel) still has \(allocated) bytes allocated")
            let object = site.targetDir.appendingPathComponent("mmfs1/\(rel)@data").path
            #expect(FileManager.default.fileExists(atPath: object), "object for \(rel)")
            #expect(try await Files.sha256sum(object) == before[paths[i]], "object content of \(rel)")
            let meta = try String(contentsOfFile: site.targetDir.appendingPathComponent("mmfs1/\(rel)@meta").path, encoding: .utf8)
            #expect(meta.contains("\"sha256\":\"\(before[paths[i]] ?? "")\""))
            #expect(meta.contains("\"source_site\":\"siteA\""))
        }

        let recall = try await NGSim.run(["ngrecall"] + paths, env: site.env)
        #expect(recall.status == 0, "\(recall.stderr)")
        #expect(recall.lines.allSatisfy { $0.state == "processed" }, "\(recall.stdout)")
        let after = try await Files.sha256sum(paths)
        #expect(after == before)
        let states = try await NGSim.run(["state"] + paths)
        #expect(states.lines.allSatisfy { $0.state == "resident" }, "\(states.stdout)")
        let mtimesAfter = try paths.map { try FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date }
        #expect(mtimesAfter == mtimes, "mtime restored")
        #expect(Files.allocation(paths[2]).allocated >= 5 << 20, "data allocated again after recall")

        // Recalling again: resident files are skipped.
        let again = try await NGSim.run(["ngrecall", paths[0]], env: site.env)
        #expect(again.status == 0)
        #expect(again.lines.first?.state == "skipped")
    }

    @Test("premigrate keeps the data; a second migrate only stubs")
    func premigrateThenMigrate() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let file = site.mount.appendingPathComponent("projects/data.bin")
        try Files.write(file, Files.random(300_000))
        let hash = try await Files.sha256sum(file.path)

        let pre = try await NGSim.run(["ngmigrate", "--premigrate", file.path], env: site.env)
        #expect(pre.status == 0)
        #expect(pre.lines.first?.state == "processed")
        let state = try await NGSim.run(["state", file.path])
        #expect(state.lines.first?.state == "premigrated")
        #expect(state.lines.first?.message.contains("sha256=\(hash)") == true)
        #expect(try await Files.sha256sum(file.path) == hash, "data kept")
        #expect(Files.allocation(file.path).allocated >= 300_000)

        let object = site.targetDir.appendingPathComponent("mmfs1/projects/data.bin@data").path
        let objectBefore = try FileManager.default.attributesOfItem(atPath: object)
        let inodeBefore = objectBefore[.systemFileNumber] as? UInt64
        let dateBefore = objectBefore[.modificationDate] as? Date
        try await Task.sleep(for: .milliseconds(20))

        let again = try await NGSim.run(["ngmigrate", "--premigrate", file.path], env: site.env)
        #expect(again.lines.first?.state == "skipped", "already premigrated")

        let migrate = try await NGSim.run(["ngmigrate", file.path], env: site.env)
        #expect(migrate.status == 0)
        #expect(migrate.lines.first?.state == "processed")
        #expect(migrate.lines.first?.message.contains("already in the target") == true, "\(migrate.stdout)")
        let objectAfter = try FileManager.default.attributesOfItem(atPath: object)
        #expect(objectAfter[.systemFileNumber] as? UInt64 == inodeBefore, "no re-upload")
        #expect(objectAfter[.modificationDate] as? Date == dateBefore, "no re-upload")
        #expect(try await NGSim.run(["state", file.path]).lines.first?.state == "migrated")
        #expect(Files.allocation(file.path).allocated <= 8192)

        let third = try await NGSim.run(["ngmigrate", file.path], env: site.env)
        #expect(third.lines.first?.state == "skipped")
        #expect(third.lines.first?.message == "already migrated")
    }

    @Test("a file changed after premigration is uploaded again")
    func changedAfterPremigrate() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let file = site.mount.appendingPathComponent("f.txt")
        try Files.write(file, Data("version one\n".utf8))
        #expect(try await NGSim.run(["ngmigrate", "--premigrate", file.path], env: site.env).status == 0)
        try Files.write(file, Data("version two, longer\n".utf8))
        let newHash = try await Files.sha256sum(file.path)
        let migrate = try await NGSim.run(["ngmigrate", file.path], env: site.env)
        #expect(migrate.status == 0)
        #expect(migrate.lines.first?.state == "processed")
        let object = site.targetDir.appendingPathComponent("mmfs1/f.txt@data").path
        #expect(try await Files.sha256sum(object) == newHash)
        #expect(try await NGSim.run(["ngrecall", file.path], env: site.env).status == 0)
        #expect(try String(contentsOf: file, encoding: .utf8) == "version two, longer\n")
    }

    @Test("stub size keeps the head of the file")
    func stubSize() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let file = site.mount.appendingPathComponent("head.bin")
        let data = Files.random(1 << 20)
        try Files.write(file, data)
        let r = try await NGSim.run(["ngmigrate", "--stub-size", "8K", file.path], env: site.env)
        #expect(r.status == 0)
        let head = try FileHandle(forReadingFrom: file)
        let kept = try head.read(upToCount: 8192) ?? Data()
        try head.close()
        #expect(kept == data.prefix(8192))
        let (allocated, size) = Files.allocation(file.path)
        #expect(size == 1 << 20)
        #expect(allocated >= 8192 && allocated <= 16384)
        #expect(try await NGSim.run(["state", file.path]).lines.first?.message.contains("stub_size=8192") == true)
    }

    @Test("missing files fail (or abort), directories and symlinks are skipped")
    func oddInputs() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let dir = site.mount.appendingPathComponent("dir")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let link = site.mount.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "dir")
        let missing = site.mount.appendingPathComponent("missing").path
        let r = try await NGSim.run(["ngmigrate", dir.path, link.path, missing], env: site.env)
        #expect(r.status == 1)
        #expect(r.lines.map(\.state) == ["skipped", "skipped", "failed"])
        #expect(r.lines[2].message == "No such file or directory")
        let aborted = try await NGSim.run(["ngmigrate", "--abort-missing", missing], env: site.env)
        #expect(aborted.status == 1)
        #expect(aborted.lines.first?.state == "aborted")
    }

    @Test("a corrupted object fails the recall and leaves the stub")
    func hashMismatchOnRecall() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let file = site.mount.appendingPathComponent("precious.bin")
        try Files.write(file, Files.random(100_000))
        #expect(try await NGSim.run(["ngmigrate", file.path], env: site.env).status == 0)
        let object = site.targetDir.appendingPathComponent("mmfs1/precious.bin@data")
        var bytes = try Data(contentsOf: object)
        bytes[5000] ^= 0xFF
        try bytes.write(to: object)

        let r = try await NGSim.run(["ngrecall", file.path], env: site.env)
        #expect(r.status == 1)
        #expect(r.lines.first?.state == "failed")
        #expect(r.lines.first?.message.contains("hash mismatch") == true, "\(r.stdout)")
        #expect(try await NGSim.run(["state", file.path]).lines.first?.state == "migrated")
        #expect(Files.allocation(file.path).allocated <= 8192, "stub left as it was")
        #expect(Files.allocation(file.path).size == 100_000)

        // With --skip-hash the (corrupt) data comes back: the check is what protects the file.
        let skip = try await NGSim.run(["ngrecall", "--skip-hash", file.path], env: site.env)
        #expect(skip.status == 0)
        #expect(try Data(contentsOf: file) == bytes)
    }

    @Test("an existing remote object with another hash: suffix key, --fail-on-mismatch, --overwrite")
    func remoteConflict() async throws {
        let scratch = try Scratch()
        let shared = scratch.sub("shared-target")
        let a = try await scratch.makeSite("siteA", targetDir: shared)
        let b = try await scratch.makeSite("siteB", targetDir: shared)
        let fa = a.mount.appendingPathComponent("same.txt")
        let fb = b.mount.appendingPathComponent("same.txt")
        try Files.write(fa, Data("from A\n".utf8))
        #expect(try await NGSim.run(["ngmigrate", fa.path], env: a.env).status == 0)

        try Files.write(fb, Data("from B\n".utf8))
        let fail = try await NGSim.run(["ngmigrate", "--fail-on-mismatch", fb.path], env: b.env)
        #expect(fail.status == 1)
        #expect(fail.lines.first?.state == "failed")
        #expect(try await NGSim.run(["state", fb.path]).lines.first?.state == "resident")

        let suffixed = try await NGSim.run(["ngmigrate", "--premigrate", fb.path], env: b.env)
        #expect(suffixed.status == 0)
        let key = try await NGSim.run(["state", fb.path]).lines.first?.message.components(separatedBy: " key=").last ?? ""
        #expect(key.hasPrefix("mmfs1/same.txt.") && key.count > "mmfs1/same.txt.".count + 30, "key \(key)")
        #expect(try String(contentsOf: shared.appendingPathComponent("mmfs1/same.txt@data"), encoding: .utf8) == "from A\n")
        #expect(try await NGSim.run(["ngunmanage", fb.path], env: b.env).status == 0)

        let overwrite = try await NGSim.run(["ngmigrate", "--overwrite", fb.path], env: b.env)
        #expect(overwrite.status == 0)
        #expect(try String(contentsOf: shared.appendingPathComponent("mmfs1/same.txt@data"), encoding: .utf8) == "from B\n")
    }

    @Test("ngunmanage: premigrated becomes resident, migrated fails")
    func unmanage() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let p = site.mount.appendingPathComponent("p.txt")
        let m = site.mount.appendingPathComponent("m.txt")
        let r = site.mount.appendingPathComponent("r.txt")
        for f in [p, m, r] { try Files.write(f, Data("x\n".utf8)) }
        #expect(try await NGSim.run(["ngmigrate", "--premigrate", p.path], env: site.env).status == 0)
        #expect(try await NGSim.run(["ngmigrate", m.path], env: site.env).status == 0)
        let u = try await NGSim.run(["ngunmanage", p.path, m.path, r.path], env: site.env)
        #expect(u.status == 1)
        #expect(u.lines.map(\.state) == ["processed", "failed", "skipped"])
        #expect(u.lines[1].message == "file is offline; recall it first")
        #expect(try await NGSim.run(["state", p.path, m.path]).lines.map(\.state) == ["resident", "migrated"])
    }

    @Test("--sync-metadata updates the remote metadata of an offline file")
    func syncMetadata() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA")
        let f = site.mount.appendingPathComponent("meta.txt")
        try Files.write(f, Data("m\n".utf8))
        #expect(try await NGSim.run(["ngmigrate", f.path], env: site.env).status == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: f.path)
        let r = try await NGSim.run(["ngmigrate", "--sync-metadata", f.path], env: site.env)
        #expect(r.lines.first?.state == "processed")
        let meta = try String(contentsOf: site.targetDir.appendingPathComponent("mmfs1/meta.txt@meta"), encoding: .utf8)
        #expect(meta.contains("\"mode\":\"0600\""), "\(meta)")
    }

    @Test("--endpoint chooses the target; --delete-remote removes the object after recall")
    func endpointAndDeleteRemote() async throws {
        let scratch = try Scratch()
        let second = scratch.sub("second-target")
        let site = try await scratch.makeSite("siteA", extra: ["--target", "second=\(second.path)"])
        let f = site.mount.appendingPathComponent("e.txt")
        try Files.write(f, Data("endpoint\n".utf8))
        let m = try await NGSim.run(["ngmigrate", "--endpoint", "second", f.path], env: site.env)
        #expect(m.status == 0, "\(m.stderr)")
        #expect(try await NGSim.run(["state", f.path]).lines.first?.message.contains("target=second") == true)
        let object = second.appendingPathComponent("mmfs1/e.txt@data").path
        #expect(FileManager.default.fileExists(atPath: object))
        #expect(!FileManager.default.fileExists(atPath: site.targetDir.appendingPathComponent("mmfs1/e.txt@data").path))
        let r = try await NGSim.run(["ngrecall", "--delete-remote", f.path], env: site.env)
        #expect(r.status == 0)
        #expect(!FileManager.default.fileExists(atPath: object))
        #expect(!FileManager.default.fileExists(atPath: second.appendingPathComponent("mmfs1/e.txt@meta").path))
        #expect(try String(contentsOf: f, encoding: .utf8) == "endpoint\n")
    }
}
