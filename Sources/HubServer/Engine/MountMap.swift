import Foundation
import HubCore
import Postgres
import Shared

/// Filesystem mount points per site, from the nodes' heartbeats, to carry a path to another site: the
/// same filesystem (by name) may be mounted elsewhere there. Paths outside every known mount, or on a
/// filesystem the other site does not report, are passed on unchanged (the usual case of identical mounts).
struct MountMap: Sendable {
    /// Site -> filesystem name -> mount point.
    var sites: [String: [String: String]]

    /// Every site's mounts (newest heartbeat wins where nodes of a site disagree).
    static func load(on conn: PostgresConnection) throws -> MountMap {
        var sites: [String: [String: String]] = [:]
        for row in try conn.query(
            """
            SELECT s.name, n.filesystems::text AS filesystems FROM nodes n JOIN sites s ON s.id = n.site_id
            WHERE n.filesystems IS NOT NULL ORDER BY n.last_heartbeat
            """)
        {
            let mounts = try WireCoding.decode([String: String].self, from: Array(try row.decode(String.self, "filesystems").utf8))
            sites[try row.decode(String.self, "name"), default: [:]].merge(mounts) { _, newer in newer }
        }
        return MountMap(sites: sites)
    }

    /// `path` as seen on site `to`, given it is a path of site `from`.
    func translate(_ path: String, from: String, to: String) -> String {
        guard from != to, let source = sites[from], let destination = sites[to] else { return path }
        var best: (name: String, mount: String)?
        for (name, raw) in source {
            let mount = Self.trimmed(raw)
            guard PathScope.isWithin(path, mount) else { continue }
            if best == nil || mount.count > (best?.mount.count ?? 0) { best = (name, mount) }
        }
        guard let best, let raw = destination[best.name] else { return path }
        let target = Self.trimmed(raw)
        let rest = best.mount == "/" ? String(path.dropFirst()) : String(path.dropFirst(best.mount.count).drop { $0 == "/" })
        if rest.isEmpty { return target }
        return target == "/" ? "/" + rest : target + "/" + rest
    }

    /// A mount point without trailing slashes (`/` stays `/`).
    static func trimmed(_ mount: String) -> String {
        var text = Substring(mount)
        while text.count > 1, text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }

    func translate(_ items: [PathItem], from: String, to: String) -> [PathItem] {
        guard from != to else { return items }
        return items.map { item in
            var moved = item
            moved.path = translate(item.path, from: from, to: to)
            if let source = item.source { moved.source = translate(source, from: from, to: to) }
            return moved
        }
    }
}
