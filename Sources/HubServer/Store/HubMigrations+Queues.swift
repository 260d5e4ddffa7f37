import Postgres

extension HubMigrations {
    /// Queues as heartbeats register them, with the manual's removal rules (L10019-10075): a removed queue
    /// is hidden and not recreated by heartbeats until it expires (no heartbeat for the cleanup interval).
    static let queues = Migration(
        version: 8, name: "queues registered by heartbeats, with removal",
        sql: """
            CREATE TABLE queues (
                id              bigserial PRIMARY KEY,
                site_id         bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
                name            text NOT NULL,
                label           text NOT NULL,
                last_heartbeat  timestamptz NOT NULL,
                -- set by `ngeneahub manage remove_queue`: hidden, and kept until it expires
                removed_at      timestamptz,
                UNIQUE (site_id, name)
            );
            INSERT INTO queues (site_id, name, label, last_heartbeat)
            SELECT n.site_id, q->>'queue', q->>'queue', max(n.last_heartbeat)
            FROM nodes n, jsonb_array_elements(n.queues) q WHERE q->'functions' <> '{}'::jsonb
            GROUP BY n.site_id, q->>'queue';
            """)
}
