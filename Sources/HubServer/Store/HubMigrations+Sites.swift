import Postgres

extension HubMigrations {
    /// Sites as the manual describes them, what sites report (filesystems, filesets, pools, servers), the
    /// dynamic configuration, feature flags, settings, alerts, and system tasks (settings and inventory).
    static let sitesAndHealth = Migration(
        version: 4, name: "sites, inventory, configuration, features, settings, alerts, system tasks",
        sql: """
            -- Site fields of manual L21755-21925 and L11313-11381. `timezone` drives schedules (L153).
            ALTER TABLE sites
                ADD COLUMN shortcode text NOT NULL DEFAULT '',
                ADD COLUMN label text NOT NULL DEFAULT '',
                ADD COLUMN timezone text NOT NULL DEFAULT 'UTC',
                ADD COLUMN type text NOT NULL DEFAULT 'CLOUD',
                ADD COLUMN color jsonb NOT NULL DEFAULT '[170, 232, 242]',
                ADD COLUMN public_url text,
                ADD COLUMN bandwidth integer NOT NULL DEFAULT 0 CHECK (bandwidth >= 0),
                ADD COLUMN enable_auto_file_batch_sizing boolean NOT NULL DEFAULT true,
                ADD COLUMN lock_threshold integer NOT NULL DEFAULT 86400 CHECK (lock_threshold >= 0),
                ADD COLUMN elasticsearch_url text DEFAULT 'localhost:9200',
                ADD COLUMN pixstor_search_url text DEFAULT 'https://localhost/',
                ADD COLUMN include jsonb,
                ADD COLUMN exclude jsonb,
                ADD COLUMN am_i_configured boolean NOT NULL DEFAULT true,
                ADD COLUMN ready_to_configure boolean NOT NULL DEFAULT true,
                ADD COLUMN iris_enabled boolean NOT NULL DEFAULT false,
                ADD COLUMN files_count bigint NOT NULL DEFAULT 0,
                ADD COLUMN directories_count bigint NOT NULL DEFAULT 0,
                ADD COLUMN files_hydrated_count bigint NOT NULL DEFAULT 0,
                ADD COLUMN files_stubbed_count bigint NOT NULL DEFAULT 0,
                ADD COLUMN gpfs_iscan_buckets integer,
                ADD COLUMN gpfs_iscan_threads integer,
                -- The last inventory the site's workers answered, and the last refresh asked of them.
                ADD COLUMN inventory_at timestamptz,
                ADD COLUMN inventory_requested timestamptz,
                ADD COLUMN inventory_errors jsonb NOT NULL DEFAULT '[]';
            UPDATE sites SET label = name;

            -- What sites report (site_inventory); replaced as a whole per site on each answer.
            CREATE TABLE filesystems (
                id          bigserial PRIMARY KEY,
                site_id     bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
                name        text NOT NULL,
                mountpoint  text NOT NULL,
                UNIQUE (site_id, name)
            );
            CREATE TABLE filesets (
                id          bigserial PRIMARY KEY,
                site_id     bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
                filesystem  text NOT NULL,
                name        text NOT NULL,
                path        text,
                status      text,
                UNIQUE (site_id, filesystem, name)
            );
            CREATE TABLE storagepools (
                id          bigserial PRIMARY KEY,
                site_id     bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
                filesystem  text NOT NULL,
                name        text NOT NULL,
                capacity    bigint NOT NULL,
                used_space  bigint NOT NULL,
                free_space  bigint NOT NULL,
                is_default  boolean NOT NULL DEFAULT false,
                UNIQUE (site_id, filesystem, name)
            );
            CREATE TABLE servers (
                id                  bigserial PRIMARY KEY,
                site_id             bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
                name                text NOT NULL,
                list_of_interfaces  jsonb NOT NULL DEFAULT '[]',
                UNIQUE (site_id, name)
            );
            -- Spaces, as far as sites and policies need them: the filesystem-root space of each filesystem
            -- is created when a site first reports it (load_storagepools, L12450-12454).
            CREATE TABLE spaces (
                id          bigserial PRIMARY KEY,
                name        text NOT NULL UNIQUE,
                mountpoint  text NOT NULL,
                immutable   boolean NOT NULL DEFAULT false,
                created     timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE space_sites (
                space_id  bigint NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
                site_id   bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
                PRIMARY KEY (space_id, site_id)
            );

            -- `/api/configurations/`: only values an administrator changed; defaults live in the code.
            CREATE TABLE hub_configuration (
                key    text PRIMARY KEY,
                value  jsonb NOT NULL
            );
            CREATE TABLE features (
                name         text PRIMARY KEY,
                description  text NOT NULL,
                enabled      boolean NOT NULL DEFAULT false
            );
            INSERT INTO features (name, description) VALUES
                ('bandwidth_controls', 'Enable bandwidth controls in the Ngenea Hub UI'),
                ('searchui', 'Enable search features in the Ngenea Hub UI');

            -- Global settings pushed to every site, and each site's own settings as it reported them.
            CREATE TABLE settings (
                id     bigserial PRIMARY KEY,
                key    text NOT NULL UNIQUE,
                value  jsonb NOT NULL,
                secret boolean NOT NULL DEFAULT false,
                description text
            );
            CREATE TABLE site_settings (
                id       bigserial PRIMARY KEY,
                site_id  bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
                key      text NOT NULL,
                value    jsonb NOT NULL,
                secret   boolean NOT NULL DEFAULT false,
                description text,
                UNIQUE (site_id, key)
            );

            -- Alerts raised and cleared by the hub. One open alert per (name, site, node, queue); `timestamp`
            -- is the last time the condition was seen, `cleared` set when it no longer holds.
            CREATE TABLE alerts (
                id         bigserial PRIMARY KEY,
                name       text NOT NULL,
                site       text,
                node       text,
                queue      text,
                -- What else tells two alerts of one kind apart (a pool: `mmfs1/sas1`); not shown by the API.
                subject    text,
                severity   text NOT NULL CHECK (severity IN ('INFO', 'WARNING', 'CRITICAL')),
                summary    text NOT NULL,
                created    timestamptz NOT NULL DEFAULT now(),
                timestamp  timestamptz NOT NULL DEFAULT now(),
                suppressed boolean NOT NULL DEFAULT false,
                cleared    timestamptz
            );
            CREATE UNIQUE INDEX alerts_open
                ON alerts (name, coalesce(site, ''), coalesce(node, ''), coalesce(queue, ''), coalesce(subject, ''))
                WHERE cleared IS NULL;

            -- System tasks (settings and inventory) run through the same outbox, fencing and results as
            -- workflow steps; their answer is kept in `output`.
            ALTER TABLE tasks DROP CONSTRAINT tasks_kind_check;
            ALTER TABLE tasks ADD CONSTRAINT tasks_kind_check CHECK (kind IN ('discovery', 'step', 'system'));
            ALTER TABLE tasks ADD COLUMN output jsonb;
            ALTER TABLE jobs ADD COLUMN is_settings_job boolean NOT NULL DEFAULT false;

            -- When each housekeeping duty last ran, shared by replicas (one runs it under an advisory lock).
            CREATE TABLE housekeeping (
                name      text PRIMARY KEY,
                last_run  timestamptz NOT NULL
            );
            """)
}
