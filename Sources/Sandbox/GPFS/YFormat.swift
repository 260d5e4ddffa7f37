import Glibc

/// The machine-readable `-Y` output of the GPFS commands: per record type a HEADER line naming the
/// fields, then data lines, all colon-separated with a trailing colon:
///
///     mmlsfileset::HEADER:version:reserved:reserved:filesystemName:filesetName:...:
///     mmlsfileset::0:1:::mmfs1:root:...:
///
/// Values are percent-escaped so that they never contain the separator: `%` → `%25`, `:` → `%3A`,
/// newline → `%0A`. Readers should pick fields by header name, as with real GPFS.
struct YTable {
    let command: String
    let recordType: String
    let fields: [String]

    init(_ command: String, _ fields: [String]) {
        self.init(command, "", fields)
    }

    init(_ command: String, _ recordType: String, _ fields: [String]) {
        self.command = command
        self.recordType = recordType
        self.fields = fields
    }

    var header: String {
        "\(command):\(recordType):HEADER:version:reserved:reserved:" + fields.joined(separator: ":") + ":\n"
    }

    func row(_ values: [String]) -> String {
        precondition(values.count == fields.count, "\(command) -Y row has \(values.count) values for \(fields.count) fields")
        return "\(command):\(recordType):0:1:::" + values.map(YTable.escape).joined(separator: ":") + ":\n"
    }

    static func escape(_ value: String) -> String {
        guard value.contains(where: { $0 == ":" || $0 == "%" || $0 == "\n" }) else { return value }
        var out = ""
        for ch in value {
            switch ch {
            case "%": out += "%25"
            case ":": out += "%3A"
            case "\n": out += "%0A"
            default: out.append(ch)
            }
        }
        return out
    }
}

/// Shared argument handling of the GPFS listing commands.
enum GPFSArgs {
    /// The site for a listing: NGSIM_SITE, else the site around the working directory.
    static func site() throws(SimError) -> SiteConfig {
        var locator = try SiteLocator()
        return try locator.siteForWorkingDirectory()
    }

    /// The filesystem named by the Device argument (with or without a leading `/dev/`).
    static func filesystem(_ name: String, in site: SiteConfig) throws(SimError) -> SiteConfig.Filesystem {
        let bare = name.hasPrefix("/dev/") ? String(name.dropFirst(5)) : name
        guard let fs = site.filesystem(named: bare) else {
            let known = site.filesystems.map(\.name).joined(separator: ", ")
            throw SimError.environment("file system \(name) is not known to site \(site.name) (known: \(known))")
        }
        return fs
    }

    static func fileset(_ name: String, in fs: SiteConfig.Filesystem, site: SiteConfig) throws(SimError) -> SiteConfig.Fileset {
        guard let set = site.fileset(named: name, in: fs.name) else {
            throw SimError.environment("fileset \(name) not found in file system \(fs.name)")
        }
        return set
    }
}

/// Dates as GPFS prints them ("Mon Nov 22 13:39:00 2025"), local time.
enum GPFSDate {
    static func format(ns: Int64) -> String {
        var seconds = time_t(ns / 1_000_000_000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S %Y", &parts)
        return Posix.string(fromNulTerminated: Array(buffer[0..<n]) + [0])
    }
}
