import Glibc

/// Finds the site a path belongs to: `NGSIM_SITE` (a site directory) when set, otherwise the nearest
/// ancestor directory of the path that holds `ngsim-site.conf`. Results are cached per directory so that
/// a batch of thousands of paths costs few lookups.
struct SiteLocator {
    private var siteDirOf: [String: String] = [:]
    private var noSite: Set<String> = []
    private var loaded: [String: SiteConfig] = [:]
    private let forced: SiteConfig?
    let cwd: String

    init() throws(SimError) {
        cwd = Posix.currentDirectory()
        if let env = Posix.environment("NGSIM_SITE"), !env.isEmpty {
            let dir = Paths.absolute(env, cwd: cwd)
            guard Posix.exists(dir + "/" + SiteConfig.fileName) else {
                throw SimError.environment("NGSIM_SITE=\(env): no \(SiteConfig.fileName) in \(dir)")
            }
            forced = try SiteConfig.load(directory: dir)
        } else {
            forced = nil
        }
    }

    func absolute(_ path: String) -> String { Paths.absolute(path, cwd: cwd) }

    /// The site for an absolute path, or nil when none is found.
    mutating func site(for absPath: String) throws(SimError) -> SiteConfig? {
        if let forced { return forced }
        var visited: [String] = []
        var dir = absPath
        var found: String?
        while true {
            if let known = siteDirOf[dir] { found = known; break }
            if noSite.contains(dir) { break }
            visited.append(dir)
            if access(dir + (dir == "/" ? "" : "/") + SiteConfig.fileName, F_OK) == 0 { found = dir; break }
            if dir == "/" { break }
            dir = Paths.dirname(dir)
        }
        for v in visited {
            if let found { siteDirOf[v] = found } else { noSite.insert(v) }
        }
        guard let found else { return nil }
        if let site = loaded[found] { return site }
        let site = try SiteConfig.load(directory: found)
        loaded[found] = site
        return site
    }

    /// The site for a tool run without paths (listings): NGSIM_SITE or the working directory's site.
    mutating func siteForWorkingDirectory() throws(SimError) -> SiteConfig {
        guard let site = try site(for: cwd) else {
            throw SimError.environment("no ngsim site found: set NGSIM_SITE to a site directory or run inside one (a directory tree with \(SiteConfig.fileName))")
        }
        return site
    }
}
