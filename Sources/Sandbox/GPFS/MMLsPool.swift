/// `mmlspool Device [-Y]`: storage pools with capacity and usage (usage as in `PoolUsage`).
enum MMLsPool {
    static let usage = """
    usage: mmlspool Device [-Y]
      pools of the filesystem: id, block size, total and free KB, and used bytes (st_blocks*512 of its files)
    """

    static let fields = [
        "filesystemName", "poolName", "poolId", "blockSize", "data", "metadata", "totalDataKB", "freeDataKB",
        "totalBytes", "usedBytes", "freeBytes", "files",
    ]

    static func run(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, [.flag("-Y"), .flag("-L")])
        if args.helpRequested { Output.stdout(usage + "\n"); return ExitCode.ok }
        guard args.positionals.count == 1 else { throw SimError.usage("mmlspool needs one Device") }
        let site = try GPFSArgs.site()
        let fs = try GPFSArgs.filesystem(args.positionals[0], in: site)
        let usage = PoolUsage.measure(fs, site: site)
        if args.flag("-Y") {
            let table = YTable("mmlspool", fields)
            var out = table.header
            for u in usage {
                let metadata = u.pool.id == 0 ? "yes" : "no"
                var values: [String] = [fs.name, u.pool.name, String(u.pool.id), String(fs.blockSize), "yes", metadata]
                values += [String(u.pool.capacity / 1024), String(u.freeBytes / 1024), String(u.pool.capacity)]
                values += [String(u.usedBytes), String(u.freeBytes), String(u.files)]
                out += table.row(values)
            }
            Output.stdout(out)
        } else {
            var rows: [[String]] = []
            for u in usage {
                let metadata = u.pool.id == 0 ? "yes" : "no"
                let free = "\(u.freeBytes / 1024) (\(u.percentFree)%)"
                var row: [String] = [u.pool.name, String(u.pool.id), "\(fs.blockSize / 1024) KB", "yes", metadata]
                row += [String(u.pool.capacity / 1024), free, String(u.usedBytes)]
                rows.append(row)
            }
            Output.stdout("Storage pools in file system at '\(fs.mount)':\n" + Output.table(
                ["Name", "Id", "BlkSize", "Data", "Meta", "Total Data in (KB)", "Free Data in (KB)", "Used (bytes)"], rows))
        }
        return ExitCode.ok
    }
}
