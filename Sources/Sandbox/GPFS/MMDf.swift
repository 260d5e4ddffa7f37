/// `mmdf Device [-P Pool] [-Y]`: capacity and free space per pool. Each pool is shown as one "disk"
/// `<pool>_nsd`. KB fields follow mmdf; the `*Bytes` fields of poolTotal are ngsim additions.
enum MMDf {
    static let usage = """
    usage: mmdf Device [-P Pool] [-Y]
      per pool: size, free and used space. Used = st_blocks*512 of the filesystem's files in that pool.
    """

    static func run(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, [.flag("-Y"), .value("-P")])
        if args.helpRequested { Output.stdout(usage + "\n"); return ExitCode.ok }
        guard args.positionals.count == 1 else { throw SimError.usage("mmdf needs one Device") }
        let site = try GPFSArgs.site()
        let fs = try GPFSArgs.filesystem(args.positionals[0], in: site)
        var usage = PoolUsage.measure(fs, site: site)
        if let only = args.value("-P") {
            usage = usage.filter { $0.pool.name == only }
            if usage.isEmpty { throw SimError.environment("storage pool \(only) not found in file system \(fs.name)") }
        }
        let totalKB = usage.reduce(Int64(0)) { $0 + $1.pool.capacity / 1024 }
        let freeKB = usage.reduce(Int64(0)) { $0 + $1.freeBytes / 1024 }
        let totalPct = totalKB > 0 ? Int(Double(freeKB) * 100 / Double(totalKB)) : 0
        if args.flag("-Y") {
            let nsd = YTable("mmdf", "nsd", ["nsdName", "storagePool", "diskSize", "failureGroup", "metadata", "data",
                                             "freeBlocks", "freeBlocksPct", "freeFragments", "freeFragmentsPct", "diskAvailableForAlloc"])
            let pool = YTable("mmdf", "poolTotal", ["poolName", "poolSize", "freeBlocks", "freeBlocksPct", "freeFragments",
                                                    "freeFragmentsPct", "maxDiskSize", "totalBytes", "usedBytes", "freeBytes"])
            let total = YTable("mmdf", "fsTotal", ["deviceName", "fsSize", "freeBlocks", "freeBlocksPct", "freeFragments", "freeFragmentsPct"])
            var out = nsd.header
            for u in usage {
                out += nsd.row(["\(u.pool.name)_nsd", u.pool.name, String(u.pool.capacity / 1024), "1", u.pool.id == 0 ? "Yes" : "No",
                                "Yes", String(u.freeBytes / 1024), String(u.percentFree), "0", "0", "up"])
            }
            out += pool.header
            for u in usage {
                out += pool.row([u.pool.name, String(u.pool.capacity / 1024), String(u.freeBytes / 1024), String(u.percentFree), "0", "0",
                                 String(u.pool.capacity / 1024), String(u.pool.capacity), String(u.usedBytes), String(u.freeBytes)])
            }
            out += total.header
            out += total.row([fs.name, String(totalKB), String(freeKB), String(totalPct), "0", "0"])
            Output.stdout(out)
            return ExitCode.ok
        }
        func free(_ kb: Int64, _ pct: Int) -> String { "\(kb) (\(pct)%)" }
        var out = """
        disk                disk size  failure holds    holds              free in KB          free in KB
        name                    in KB    group metadata data        in full blocks        in fragments
        --------------- ------------- -------- -------- ----- -------------------- -------------------

        """
        for u in usage {
            let kb = u.pool.capacity / 1024
            out += "Disks in storage pool: \(u.pool.name) (used \(u.usedBytes) bytes in \(u.files) files)\n"
            out += "\(u.pool.name)_nsd".padded(16) + String(kb).leftPadded(13) + "1".leftPadded(9) + " "
                + (u.pool.id == 0 ? "yes" : "no").padded(9) + "yes".padded(6)
                + free(u.freeBytes / 1024, u.percentFree).leftPadded(20) + "0 ( 0%)".leftPadded(20) + "\n"
            out += "                -------------                         -------------------- -------------------\n"
            out += "(pool total)".padded(16) + String(kb).leftPadded(13) + String(repeating: " ", count: 25)
                + free(u.freeBytes / 1024, u.percentFree).leftPadded(20) + "0 ( 0%)".leftPadded(20) + "\n\n"
        }
        out += "                =============                         ==================== ===================\n"
        out += "(total)".padded(16) + String(totalKB).leftPadded(13) + String(repeating: " ", count: 25)
            + free(freeKB, totalPct).leftPadded(20) + "0 ( 0%)".leftPadded(20) + "\n"
        Output.stdout(out)
        return ExitCode.ok
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
