import Foundation
import Testing

/// Parses `-Y` output into records: [recordType: [[field: value]]], undoing the %-escapes.
func parseY(_ text: String) -> [String: [[String: String]]] {
    var headers: [String: [String]] = [:]
    var records: [String: [[String: String]]] = [:]
    for line in text.split(separator: "\n") {
        let f = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard f.count > 6 else { continue }
        let type = f[1]
        let values = Array(f[6..<(f.count - 1)])
        if f[2] == "HEADER" { headers[type] = values; continue }
        guard let names = headers[type], names.count == values.count else { continue }
        var row: [String: String] = [:]
        for (n, v) in zip(names, values) {
            row[n] = v.replacingOccurrences(of: "%3A", with: ":").replacingOccurrences(of: "%0A", with: "\n").replacingOccurrences(of: "%25", with: "%")
        }
        records[type, default: []].append(row)
    }
    return records
}

@Suite("GPFS listings (-Y)")
struct ListingTests {
    @Test("mmlsfileset, mmlspool, mmlsfs, mmlscluster show the configuration")
    func listings() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("site_A", extra: [
            "--pool", "data=1G", "--pool", "archive=2T", "--fileset", "projects", "--fileset", "scratch:dependent",
        ])
        let fsets = try await NGSim.run(["mmlsfileset", "mmfs1", "-Y"], env: site.env)
        #expect(fsets.status == 0)
        let rows = parseY(fsets.stdout)[""] ?? []
        #expect(rows.map { $0["filesetName"] } == ["root", "projects", "scratch"])
        #expect(rows.map { $0["id"] } == ["0", "1", "2"])
        #expect(rows.allSatisfy { $0["status"] == "Linked" && $0["filesystemName"] == "mmfs1" })
        #expect(rows.map { $0["path"] } == [site.mount.path, site.mount.path + "/projects", site.mount.path + "/scratch"])
        #expect(rows.map { $0["isInodeSpaceOwner"] } == ["1", "1", "0"])
        #expect(rows.map { $0["inodeSpace"] } == ["0", "1", "0"])

        let pools = parseY(try await NGSim.run(["mmlspool", "mmfs1", "-Y"], env: site.env).stdout)[""] ?? []
        #expect(pools.map { $0["poolName"] } == ["data", "archive"])
        #expect(pools.map { $0["totalBytes"] } == [String(1 << 30), String(2 << 40)])

        let fs = parseY(try await NGSim.run(["mmlsfs", "all", "-Y"], env: site.env).stdout)[""] ?? []
        #expect(fs.first { $0["fieldName"] == "defaultMountPoint" }?["data"] == site.mount.path)
        #expect(fs.first { $0["fieldName"] == "blockSize" }?["data"] == "4194304")

        let cluster = parseY(try await NGSim.run(["mmlscluster", "-Y"], env: site.env).stdout)
        #expect(cluster["clusterSummary"]?.first?["clusterName"] == "site_A")

        let human = try await NGSim.run(["mmlsfileset", "mmfs1"], env: site.env)
        #expect(human.stdout.contains("projects") && human.stdout.contains("dependent"))
        #expect(try await NGSim.run(["mmlsfileset", "nofs"], env: site.env).status == 3)
    }

    @Test("a colon in a value is escaped as %3A")
    func colonEscape() async throws {
        let scratch = try Scratch()
        let dir = scratch.sub("with:colon")
        #expect(try await NGSim.run(["init", dir.path, "--site", "c"]).status == 0)
        let out = try await NGSim.run(["mmlsfs", "mmfs1", "-Y"], env: ["NGSIM_SITE": dir.path]).stdout
        #expect(out.contains("with%3Acolon/mmfs1"))
        #expect(parseY(out)[""]?.first { $0["fieldName"] == "defaultMountPoint" }?["data"] == dir.path + "/mmfs1")
    }

    @Test("mmdf used bytes grow with data and drop after migration")
    func poolUsage() async throws {
        let scratch = try Scratch()
        let site = try await scratch.makeSite("siteA", extra: ["--pool", "data=100M"])
        func used() async throws -> Int64 {
            let r = try await NGSim.run(["mmdf", "mmfs1", "-Y"], env: site.env)
            #expect(r.status == 0)
            return Int64(parseY(r.stdout)["poolTotal"]?.first?["usedBytes"] ?? "") ?? -1
        }
        let empty = try await used()
        let file = site.mount.appendingPathComponent("two-mib.bin")
        try Files.write(file, Files.random(2 << 20))
        let full = try await used()
        #expect(full - empty >= 2 << 20)
        #expect(try await NGSim.run(["ngmigrate", file.path], env: site.env).status == 0)
        let migrated = try await used()
        #expect(full - migrated >= (2 << 20) - 8192, "used \(full) -> \(migrated)")
        let pools = parseY(try await NGSim.run(["mmlspool", "mmfs1", "-Y"], env: site.env).stdout)[""]?.first
        #expect(pools?["usedBytes"] == String(migrated))
    }
}
