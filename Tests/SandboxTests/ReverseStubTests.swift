import Foundation
import Testing

@Suite("ngrecall --stub (reverse stub between sites)")
struct ReverseStubTests {
    @Test("site B gets stubs and hydrated copies of what site A migrated to the shared target")
    func reverseStub() async throws {
        let scratch = try Scratch()
        let shared = scratch.sub("shared")
        let a = try await scratch.makeSite("siteA", targetDir: shared)
        let b = try await scratch.makeSite("siteB", targetDir: shared)
        let rels = ["projects/report.pdf", "projects/deep/x y/data.bin", "hydrated.bin"]
        var hashes: [String: String] = [:]
        for (i, rel) in rels.enumerated() {
            let url = a.mount.appendingPathComponent(rel)
            try Files.write(url, Files.random(50_000 * (i + 1)))
            try FileManager.default.setAttributes([.posixPermissions: 0o640, .modificationDate: Date(timeIntervalSince1970: 1_600_000_000 + Double(i))], ofItemAtPath: url.path)
            hashes[rel] = try await Files.sha256sum(url.path)
        }
        let migrate = try await NGSim.run(["ngmigrate"] + rels.map { a.mount.appendingPathComponent($0).path }, env: a.env)
        #expect(migrate.status == 0, "\(migrate.stdout)\(migrate.stderr)")

        let stubs = rels.prefix(2).map { b.mount.appendingPathComponent($0).path }
        let r = try await NGSim.run(["ngrecall", "--stub"] + stubs, env: b.env)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.lines.map(\.state) == ["processed", "processed"])
        for (i, path) in stubs.enumerated() {
            #expect(try await NGSim.run(["state", path]).lines.first?.state == "migrated")
            let (allocated, size) = Files.allocation(path)
            #expect(size == Int64(50_000 * (i + 1)))
            #expect(allocated <= 8192)
            let attrs = try FileManager.default.attributesOfItem(atPath: path)
            #expect(attrs[.posixPermissions] as? Int == 0o640)
            #expect((attrs[.modificationDate] as? Date)?.timeIntervalSince1970 == 1_600_000_000 + Double(i))
        }
        let recall = try await NGSim.run(["ngrecall"] + stubs, env: b.env)
        #expect(recall.status == 0, "\(recall.stdout)")
        for (i, path) in stubs.enumerated() {
            #expect(try await Files.sha256sum(path) == hashes[rels[i]])
        }

        let hydratedPath = b.mount.appendingPathComponent(rels[2]).path
        let h = try await NGSim.run(["ngrecall", "--stub", "--hydrate", hydratedPath], env: b.env)
        #expect(h.lines.first?.state == "processed")
        #expect(try await NGSim.run(["state", hydratedPath]).lines.first?.state == "premigrated")
        #expect(try await Files.sha256sum(hydratedPath) == hashes[rels[2]])

        // An existing local file is skipped unless --overwrite.
        let skipped = try await NGSim.run(["ngrecall", "--stub", stubs[0]], env: b.env)
        #expect(skipped.status == 0)
        #expect(skipped.lines.first?.state == "skipped")
        try Files.write(URL(fileURLWithPath: stubs[0]), Data("local junk".utf8))
        let over = try await NGSim.run(["ngrecall", "--stub", "--overwrite", stubs[0]], env: b.env)
        #expect(over.lines.first?.state == "processed")
        #expect(Files.allocation(stubs[0]).size == 50_000)
        #expect(try await NGSim.run(["ngrecall", stubs[0]], env: b.env).status == 0)
        #expect(try await Files.sha256sum(stubs[0]) == hashes[rels[0]])

        // No object: failed.
        let none = try await NGSim.run(["ngrecall", "--stub", b.mount.appendingPathComponent("never/migrated").path], env: b.env)
        #expect(none.status == 1)
        #expect(none.lines.first?.state == "failed")
    }

    @Test("a corrupted object is refused by the reverse stub")
    func corruptObject() async throws {
        let scratch = try Scratch()
        let shared = scratch.sub("shared")
        let a = try await scratch.makeSite("siteA", targetDir: shared)
        let b = try await scratch.makeSite("siteB", targetDir: shared)
        let src = a.mount.appendingPathComponent("c.bin")
        try Files.write(src, Files.random(10_000))
        #expect(try await NGSim.run(["ngmigrate", src.path], env: a.env).status == 0)
        let object = shared.appendingPathComponent("mmfs1/c.bin@data")
        var bytes = try Data(contentsOf: object)
        bytes[0] ^= 1
        try bytes.write(to: object)
        let dest = b.mount.appendingPathComponent("c.bin").path
        let r = try await NGSim.run(["ngrecall", "--stub", dest], env: b.env)
        #expect(r.status == 1)
        #expect(r.lines.first?.message.contains("hash mismatch") == true)
        #expect(!FileManager.default.fileExists(atPath: dest), "nothing created")
    }
}
