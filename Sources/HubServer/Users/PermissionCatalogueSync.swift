import Logging
import Postgres

/// Brings the database's permission table up to `PermissionCatalogue` at start, as Django's
/// `create_permissions` does after migrating: missing entries are inserted and granted to Administrators
/// (all) and Users (`view_` only). Permissions already there are left alone, so an administrator's
/// changes to the default groups survive restarts. Replicas starting together serialise on a lock.
enum PermissionCatalogueSync {
    static let lockKey: Int64 = 0x4E47_5045_524D  // "NGPERM"

    static func run(on pool: PostgresPool, logger: Logger) async throws {
        let entries = PermissionCatalogue.all
        let added = try await pool.transaction { conn -> Int in
            _ = try conn.query("SELECT pg_advisory_xact_lock($1)", [.int64(lockKey)])
            var added = 0
            for entry in entries {
                let inserted = try conn.query(
                    """
                    INSERT INTO auth_permission (id, name, app_label, codename, model) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (id) DO NOTHING RETURNING id
                    """,
                    [.int(entry.id), .string(entry.name), .string(entry.appLabel), .string(entry.codename), .string(entry.model)])
                guard !inserted.isEmpty else { continue }
                added += 1
                try conn.execute(
                    "INSERT INTO auth_group_permissions (group_id, permission_id) VALUES (1, $1) ON CONFLICT DO NOTHING",
                    [.int(entry.id)])
                if PermissionCatalogue.isReadOnly(entry) {
                    try conn.execute(
                        "INSERT INTO auth_group_permissions (group_id, permission_id) VALUES (2, $1) ON CONFLICT DO NOTHING",
                        [.int(entry.id)])
                }
            }
            return added
        }
        if added > 0 { logger.info("added \(added) permissions to the catalogue") }
    }
}
