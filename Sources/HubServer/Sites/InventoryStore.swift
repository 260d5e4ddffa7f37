import Foundation
import Postgres
import Shared

/// Stores a site's answer to `site_inventory` in the filesystems, filesets, storagepools and servers
/// tables. A part the worker could not list (`errors`) keeps its previous rows rather than vanishing, so
/// one failing command does not empty the API. Runs inside the result's transaction (exactly once).
enum InventoryStore {
    static func store(_ inventory: SiteInventory, site: String, on conn: PostgresConnection) throws {
        guard let siteID = try conn.query("SELECT id FROM sites WHERE name = $1", [.string(site)]).decodeColumn(Int64.self, "id").first
        else { return }
        func failed(_ scope: SiteInventory.InventoryError.Scope, _ filesystem: String? = nil) -> Bool {
            inventory.errors.contains { $0.scope == scope && ($0.filesystem == nil || $0.filesystem == filesystem) }
        }
        if !failed(.filesystems) {
            try conn.execute(
                "DELETE FROM filesystems WHERE site_id = $1 AND NOT (name = ANY($2::text[]))",
                [.int64(siteID), .array(inventory.filesystems.map(\.name))])
        }
        for filesystem in inventory.filesystems {
            try conn.execute(
                """
                INSERT INTO filesystems (site_id, name, mountpoint) VALUES ($1, $2, $3)
                ON CONFLICT (site_id, name) DO UPDATE SET mountpoint = EXCLUDED.mountpoint
                """, [.int64(siteID), .string(filesystem.name), .string(filesystem.mountpoint)])
            // The filesystem-root space, created if missing (load_storagepools, L12450-12454).
            try conn.execute(
                """
                WITH space AS (
                    INSERT INTO spaces (name, mountpoint, immutable) VALUES ($2, $3, true)
                    ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id
                )
                INSERT INTO space_sites (space_id, site_id) SELECT id, $1 FROM space ON CONFLICT DO NOTHING
                """, [.int64(siteID), .string(filesystem.name), .string(filesystem.mountpoint)])
        }
        let filesystems = Set(inventory.filesystems.map(\.name)).union(inventory.storagePools.map(\.filesystem))
        for name in filesystems.sorted() {
            if !failed(.filesets, name) {
                let sets = inventory.filesets.filter { $0.filesystem == name }
                try conn.execute(
                    "DELETE FROM filesets WHERE site_id = $1 AND filesystem = $2 AND NOT (name = ANY($3::text[]))",
                    [.int64(siteID), .string(name), .array(sets.map(\.name))])
                for set in sets {
                    try conn.execute(
                        """
                        INSERT INTO filesets (site_id, filesystem, name, path, status) VALUES ($1, $2, $3, $4, $5)
                        ON CONFLICT (site_id, filesystem, name) DO UPDATE SET path = EXCLUDED.path, status = EXCLUDED.status
                        """, [.int64(siteID), .string(name), .string(set.name), set.path.map { .string($0) }, .string(set.status)])
                }
            }
            if !failed(.storagePools, name) {
                let pools = inventory.storagePools.filter { $0.filesystem == name }
                try conn.execute(
                    "DELETE FROM storagepools WHERE site_id = $1 AND filesystem = $2 AND NOT (name = ANY($3::text[]))",
                    [.int64(siteID), .string(name), .array(pools.map(\.name))])
                for pool in pools {
                    try conn.execute(
                        """
                        INSERT INTO storagepools (site_id, filesystem, name, capacity, used_space, free_space, is_default)
                        VALUES ($1, $2, $3, $4, $5, $6, $7)
                        ON CONFLICT (site_id, filesystem, name) DO UPDATE SET capacity = EXCLUDED.capacity,
                            used_space = EXCLUDED.used_space, free_space = EXCLUDED.free_space, is_default = EXCLUDED.is_default
                        """,
                        [
                            .int64(siteID), .string(name), .string(pool.name), .int64(pool.capacity), .int64(pool.usedSpace),
                            .int64(pool.freeSpace), .bool(pool.isDefault),
                        ])
                }
            }
        }
        if !failed(.servers) {
            try conn.execute(
                "DELETE FROM servers WHERE site_id = $1 AND NOT (name = ANY($2::text[]))",
                [.int64(siteID), .array(inventory.servers.map(\.name))])
            for server in inventory.servers {
                // Interfaces are known only for the node that answered: keep what an earlier answer said.
                try conn.execute(
                    """
                    INSERT INTO servers (site_id, name, list_of_interfaces) VALUES ($1, $2, COALESCE($3, '[]'::jsonb))
                    ON CONFLICT (site_id, name) DO UPDATE
                        SET list_of_interfaces = COALESCE($3, servers.list_of_interfaces)
                    """,
                    [.int64(siteID), .string(server.name), try server.interfaces.map { try .json(encoding: $0) }])
            }
        }
        try conn.execute(
            "UPDATE sites SET inventory_at = now(), inventory_errors = $2 WHERE id = $1",
            [.int64(siteID), try .json(encoding: inventory.errors, encoder: WireCoding.encoder())])
    }
}
