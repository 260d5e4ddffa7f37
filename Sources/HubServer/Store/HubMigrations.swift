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
        Migration(
            version: 2, name: "users, groups, permissions, client keys, signing keys, login throttling",
            sql: """
                -- Django-style permissions; rows come from PermissionCatalogue (fixed ids) at start.
                CREATE TABLE auth_permission (
                    id         integer PRIMARY KEY,
                    name       text NOT NULL,
                    app_label  text NOT NULL,
                    codename   text NOT NULL UNIQUE,
                    model      text NOT NULL
                );
                CREATE TABLE auth_group (
                    id           bigserial PRIMARY KEY,
                    name         text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 150),
                    description  text,
                    nas_gid      integer UNIQUE
                );
                -- The two default groups (manual L20275-20326); their ids are part of the API.
                INSERT INTO auth_group (id, name, description) VALUES
                    (1, 'Administrators', 'Default group for users with administrative access'),
                    (2, 'Users', 'Default group for users with read-only access');
                SELECT setval(pg_get_serial_sequence('auth_group', 'id'), 2);
                CREATE TABLE auth_user (
                    id            bigserial PRIMARY KEY,
                    username      text NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 150),
                    -- Django's form: pbkdf2_sha256$<iterations>$<salt>$<hash>, or '!...' for unusable.
                    password      text NOT NULL,
                    first_name    text NOT NULL DEFAULT '',
                    last_name     text NOT NULL DEFAULT '',
                    email         text NOT NULL DEFAULT '',
                    is_active     boolean NOT NULL DEFAULT true,
                    is_superuser  boolean NOT NULL DEFAULT false,
                    is_staff      boolean NOT NULL DEFAULT false,
                    last_login    timestamptz,
                    date_joined   timestamptz NOT NULL DEFAULT now()
                );
                CREATE TABLE auth_user_profile (
                    user_id          bigint PRIMARY KEY REFERENCES auth_user(id) ON DELETE CASCADE,
                    phone            text,
                    timezone         text,
                    country          text,
                    department       text,
                    line_manager     text,
                    default_site_id  bigint REFERENCES sites(id) ON DELETE SET NULL,
                    home_site_id     bigint REFERENCES sites(id) ON DELETE SET NULL
                );
                -- NAS uids and gids start at the configuration's initial_uid / initial_gid (100000).
                CREATE SEQUENCE nas_uid_seq START 100000;
                CREATE SEQUENCE nas_gid_seq START 100000;
                CREATE TABLE auth_nas_user (
                    user_id        bigint PRIMARY KEY REFERENCES auth_user(id) ON DELETE CASCADE,
                    uid            integer NOT NULL UNIQUE,
                    primary_group  text NOT NULL,
                    allow_ssh      boolean NOT NULL DEFAULT false
                );
                -- Through tables keep their own ids: lists come back in the order they were given.
                CREATE TABLE auth_user_groups (
                    id        bigserial PRIMARY KEY,
                    user_id   bigint NOT NULL REFERENCES auth_user(id) ON DELETE CASCADE,
                    group_id  bigint NOT NULL REFERENCES auth_group(id) ON DELETE CASCADE,
                    UNIQUE (user_id, group_id)
                );
                CREATE INDEX auth_user_groups_group ON auth_user_groups (group_id);
                CREATE TABLE auth_group_permissions (
                    id             bigserial PRIMARY KEY,
                    group_id       bigint NOT NULL REFERENCES auth_group(id) ON DELETE CASCADE,
                    permission_id  integer NOT NULL REFERENCES auth_permission(id) ON DELETE CASCADE,
                    UNIQUE (group_id, permission_id)
                );
                CREATE TABLE auth_user_permissions (
                    id             bigserial PRIMARY KEY,
                    user_id        bigint NOT NULL REFERENCES auth_user(id) ON DELETE CASCADE,
                    permission_id  integer NOT NULL REFERENCES auth_permission(id) ON DELETE CASCADE,
                    UNIQUE (user_id, permission_id)
                );
                CREATE TABLE auth_group_object_permissions (
                    id             bigserial PRIMARY KEY,
                    group_id       bigint NOT NULL REFERENCES auth_group(id) ON DELETE CASCADE,
                    permission_id  integer NOT NULL REFERENCES auth_permission(id) ON DELETE CASCADE,
                    object_pk      text NOT NULL,
                    UNIQUE (group_id, permission_id, object_pk)
                );
                CREATE TABLE auth_user_object_permissions (
                    id             bigserial PRIMARY KEY,
                    user_id        bigint NOT NULL REFERENCES auth_user(id) ON DELETE CASCADE,
                    permission_id  integer NOT NULL REFERENCES auth_permission(id) ON DELETE CASCADE,
                    object_pk      text NOT NULL,
                    UNIQUE (user_id, permission_id, object_pk)
                );
                -- Client keys: '<prefix>.<secret>'; only the prefix (lookup) and a SHA-256 of the key are kept.
                CREATE TABLE auth_client_key (
                    id          bigserial PRIMARY KEY,
                    user_id     bigint NOT NULL REFERENCES auth_user(id) ON DELETE CASCADE,
                    name        text NOT NULL,
                    prefix      text NOT NULL UNIQUE,
                    hashed_key  text NOT NULL,
                    created     timestamptz NOT NULL DEFAULT now()
                );
                CREATE INDEX auth_client_key_user ON auth_client_key (user_id);
                -- The JWT signing key, generated once and shared by every replica; at most one active.
                CREATE TABLE auth_signing_key (
                    kid              text PRIMARY KEY,
                    private_key_pem  text NOT NULL,
                    created          timestamptz NOT NULL DEFAULT now(),
                    retired          timestamptz
                );
                CREATE UNIQUE INDEX auth_signing_key_one_active ON auth_signing_key ((true)) WHERE retired IS NULL;
                -- Failed logins per client address and username, shared by replicas.
                CREATE TABLE auth_login_failure (
                    client        text NOT NULL,
                    username      text NOT NULL,
                    failures      integer NOT NULL,
                    last_failure  timestamptz NOT NULL,
                    locked_until  timestamptz,
                    PRIMARY KEY (client, username)
                );
                CREATE INDEX auth_login_failure_last ON auth_login_failure (last_failure);
                """),
    ]
}
