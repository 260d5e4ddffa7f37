/// Lexical path helpers. Paths are handled as Strings; they must be valid UTF-8 (documented limitation).
enum Paths {
    /// An absolute, normalised form of `path`: relative paths are taken from `cwd`; ".", ".." and
    /// repeated slashes are removed lexically (symlinks are not resolved, so a symlink stays itself).
    static func absolute(_ path: String, cwd: String) -> String {
        let joined = path.hasPrefix("/") ? path : cwd + "/" + path
        var parts: [Substring] = []
        for component in joined.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(component)
        }
        return "/" + parts.joined(separator: "/")
    }

    static func dirname(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    static func basename(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return String(p) }
        let name = p[p.index(after: slash)...]
        return name.isEmpty ? "/" : String(name)
    }

    static func join(_ dir: String, _ name: String) -> String {
        if name.isEmpty { return dir }
        if dir.hasSuffix("/") { return dir + name }
        return dir + "/" + name
    }

    /// The path of `path` relative to `root` ("" when equal), or nil when it is not inside `root`.
    static func relative(_ path: String, to root: String) -> String? {
        if path == root { return "" }
        if root == "/" { return String(path.dropFirst()) }
        let prefix = root + "/"
        guard path.hasPrefix(prefix) else { return nil }
        return String(path.dropFirst(prefix.count))
    }
}
