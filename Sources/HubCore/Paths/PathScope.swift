/// Absolute paths as the hub compares them: normalised, and tested for lying inside a directory (a
/// filesystem's mount, a space, a scanned directory).
public enum PathScope {
    /// Without `//`, `.` components and a trailing `/`; nil for a relative path, one with `..` or a NUL.
    public static func normalized(_ path: String) -> String? {
        guard path.hasPrefix("/"), !path.contains("\0") else { return nil }
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            if part == ".." { return nil }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Whether `path` is `directory` or lies below it (both normalised).
    public static func isWithin(_ path: String, _ directory: String) -> Bool {
        directory == "/" || path == directory || path.hasPrefix(directory + "/")
    }

    /// Sorted, without duplicates and without directories inside others of the list.
    public static func outermost(_ paths: [String]) -> [String] {
        var result: [String] = []
        for path in Set(paths).sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            if !result.contains(where: { isWithin(path, $0) }) { result.append(path) }
        }
        return result
    }
}
