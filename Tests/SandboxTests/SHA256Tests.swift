import Foundation
import Testing

@Suite("hand-written SHA-256")
struct SHA256Tests {
    @Test("ngsim sha256 equals sha256sum on assorted inputs")
    func matchesSha256sum() async throws {
        let scratch = try Scratch()
        var paths: [String] = []
        let sizes = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000, 65_536, (1 << 20) + 13, 3 << 20]
        for size in sizes {
            let url = scratch.sub("in-\(size)")
            try Files.random(size).write(to: url)
            paths.append(url.path)
        }
        let abc = scratch.sub("abc")
        try Data("abc".utf8).write(to: abc)
        paths.append(abc.path)
        let r = try await NGSim.run(["sha256"] + paths)
        #expect(r.status == 0)
        let reference = try await Files.sha256sum(paths)
        var ours: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            ours[String(line.dropFirst(66))] = String(line.prefix(64))
        }
        #expect(ours == reference)
        #expect(ours[abc.path] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
