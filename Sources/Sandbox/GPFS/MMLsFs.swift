/// `mmlsfs Device|all [-Y]`: filesystem attributes, one row per attribute as GPFS does.
enum MMLsFs {
    static let usage = """
    usage: mmlsfs {Device | all} [-Y]
      attributes of the site's filesystems: minimum fragment size, block size, DMAPI, version, mount point
    """

    static func run(_ argv: [String]) throws(SimError) -> Int32 {
        let args = try ArgParser.parse(argv, [.flag("-Y")])
        if args.helpRequested { Output.stdout(usage + "\n"); return ExitCode.ok }
        guard args.positionals.count == 1 else { throw SimError.usage("mmlsfs needs one Device (a filesystem name or 'all')") }
        let site = try GPFSArgs.site()
        let device = args.positionals[0]
        let filesystems = device == "all" ? site.filesystems : [try GPFSArgs.filesystem(device, in: site)]
        var out = ""
        let table = YTable("mmlsfs", ["deviceName", "fieldName", "data", "remarks"])
        if args.flag("-Y") { out += table.header }
        for fs in filesystems {
            let attributes: [(flag: String, field: String, value: String, description: String)] = [
                ("-f", "minFragmentSize", String(max(1024, fs.blockSize / 512)), "Minimum fragment (subblock) size in bytes"),
                ("-B", "blockSize", String(fs.blockSize), "Block size"),
                ("-z", "DMAPIEnabled", "yes", "Is DMAPI enabled?"),
                ("-V", "filesystemVersion", "ngsim sandbox", "File system version"),
                ("-T", "defaultMountPoint", fs.mount, "Default mount point"),
                ("-P", "storagePools", site.pools(of: fs.name).map(\.name).joined(separator: ";"), "Disk storage pools in file system"),
            ]
            if args.flag("-Y") {
                for a in attributes { out += table.row([fs.name, a.field, a.value, ""]) }
            } else {
                let title = "File system attributes for /dev/\(fs.name):"
                out += title + "\n" + String(repeating: "=", count: title.count) + "\n"
                out += "flag                value                    description\n"
                out += "------------------- ------------------------ -----------------------------------\n"
                for a in attributes { out += " " + a.flag.padded(19) + a.value.padded(25) + a.description + "\n" }
                if filesystems.count > 1 { out += "\n" }
            }
        }
        Output.stdout(out)
        return ExitCode.ok
    }
}
