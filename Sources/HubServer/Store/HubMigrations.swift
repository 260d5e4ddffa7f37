import Postgres

/// The hub's schema, as numbered migrations embedded in the binary and applied at start (and by
/// `ngeneahub migrate`). Never edit a released migration: add the next number.
enum HubMigrations {
    static let all: [Migration] = [
        Migration(
            version: 1, name: "sites and nodes",
            sql: """
                CREATE TABLE sites (
                    id          bigserial PRIMARY KEY,
                    name        text NOT NULL UNIQUE,
                    created_at  timestamptz NOT NULL DEFAULT now()
                );
                -- One row per worker node, upserted from its heartbeats (manual L10007-10075).
                CREATE TABLE nodes (
                    id                bigserial PRIMARY KEY,
                    site_id           bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
                    name              text NOT NULL,
                    software_version  text NOT NULL,
                    queues            jsonb NOT NULL DEFAULT '[]',
                    plugin_tasks      text[] NOT NULL DEFAULT '{}',
                    last_heartbeat    timestamptz NOT NULL,
                    heartbeat_ttl     integer NOT NULL CHECK (heartbeat_ttl > 0),
                    process_started   timestamptz NOT NULL,
                    created_at        timestamptz NOT NULL DEFAULT now(),
                    UNIQUE (site_id, name)
                );
                """),
    ]
}
