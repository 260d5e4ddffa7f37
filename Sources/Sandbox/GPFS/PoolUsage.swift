import Glibc

/// Bytes allocated per storage pool of a filesystem: st_blocks * 512 of every regular file under the
/// mount (a stub counts only its kept part). A file belongs to the pool named in its `user.ngenea.pool`
/// xattr when that names a pool of the filesystem, otherwise to the filesystem's first pool.
enum PoolUsage {
    struct Usage {
        let pool: SiteConfig.Pool
        var usedBytes: Int64
        var files: Int
        var freeBytes: Int64 { max(0, pool.capacity - usedBytes) }
        var percentFree: Int { pool.capacity > 0 ? Int(Double(freeBytes) * 100 / Double(pool.capacity)) : 0 }
    }

    static func poolName(of path: String, pools: [SiteConfig.Pool]) -> String? {
        if let assigned = try? Xattr.get(path: path, HSMXattr.pool), pools.contains(where: { $0.name == assigned }) {
            return assigned
        }
        return pools.first?.name
    }

    static func measure(_ fs: SiteConfig.Filesystem, site: SiteConfig) -> [Usage] {
        let pools = site.pools(of: fs.name)
        var usage = pools.map { Usage(pool: $0, usedBytes: 0, files: 0) }
        TreeWalker.walk(root: fs.mount, skip: [site.stateDirectory]) { path, _, info in
            guard info.isRegular, let name = poolName(of: path, pools: pools),
                  let i = usage.firstIndex(where: { $0.pool.name == name }) else { return true }
            usage[i].usedBytes += info.allocatedBytes
            usage[i].files += 1
            return true
        }
        return usage
    }
}

/// A depth-first walk in sorted name order that does not follow symlinks or cross into other devices.
enum TreeWalker {
    /// Calls `visit(path, relativePath, info)` for every entry below `root` (not `root` itself);
    /// returning false from `visit` for a directory skips its contents. Unreadable directories are skipped.
    static func walk(root: String, skip: Set<String> = [], _ visit: (String, String, FileInfo) -> Bool) {
        guard let rootInfo = Posix.lstatInfo(root), rootInfo.isDirectory else { return }
        var stack: [(String, String)] = [(root, "")]
        while let (dir, rel) = stack.popLast() {
            guard let names = try? Posix.listDirectory(dir) else { continue }
            var subdirs: [(String, String)] = []
            for name in names {
                let path = Paths.join(dir, name)
                if skip.contains(path) { continue }
                guard let info = Posix.lstatInfo(path) else { continue }
                let childRel = rel.isEmpty ? name : rel + "/" + name
                let descend = visit(path, childRel, info)
                if descend && info.isDirectory && info.device == rootInfo.device { subdirs.append((path, childRel)) }
            }
            // Reversed so that popLast visits them in name order.
            stack.append(contentsOf: subdirs.reversed())
        }
    }
}
