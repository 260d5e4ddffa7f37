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
        Migration(
            version: 3, name: "workflows, jobs, tasks and per-file outcomes",
            sql: """
                -- The node's filesystems (name -> mount point) from its heartbeat.
                ALTER TABLE nodes ADD COLUMN filesystems jsonb;
                -- Batching limits per site (manual L11337-11345: 40 files or 1 GB, whichever comes first).
                ALTER TABLE sites ADD COLUMN file_batch_size integer NOT NULL DEFAULT 40 CHECK (file_batch_size > 0),
                                  ADD COLUMN file_batch_gb double precision NOT NULL DEFAULT 1 CHECK (file_batch_gb > 0);
                -- Workflow definitions as HubCore's WorkflowDefinition JSON; defaults are seeded at start.
                CREATE TABLE workflows (
                    id          bigserial PRIMARY KEY,
                    name        text NOT NULL UNIQUE,
                    definition  jsonb NOT NULL,
                    created     timestamptz NOT NULL DEFAULT now(),
                    modified    timestamptz NOT NULL DEFAULT now()
                );
                -- Default workflows already seeded once: a default an administrator deleted stays deleted.
                CREATE TABLE workflows_seeded (name text PRIMARY KEY);
                CREATE TABLE jobs (
                    id              bigserial PRIMARY KEY,
                    workflow_id     bigint REFERENCES workflows(id) ON DELETE SET NULL,
                    workflow_name   text NOT NULL,
                    site            text NOT NULL,
                    queue           text NOT NULL,
                    owner_id        bigint REFERENCES auth_user(id) ON DELETE SET NULL,
                    -- Started by the hub itself (schedules, policies, settings) rather than a user.
                    system          boolean NOT NULL DEFAULT false,
                    state           text NOT NULL DEFAULT 'PENDING',
                    discovery       text,
                    paths           jsonb NOT NULL,
                    fields          jsonb NOT NULL DEFAULT '{}',
                    -- The submission as given, for resubmit.
                    request         jsonb NOT NULL,
                    friendly_name   text NOT NULL DEFAULT '',
                    -- Counters kept in the same transaction as the task changes, so that job state never
                    -- needs a scan of its tasks: tasks not yet final, tasks that ended FAILURE, failed files.
                    open_tasks      integer NOT NULL DEFAULT 0 CHECK (open_tasks >= 0),
                    total_tasks     integer NOT NULL DEFAULT 0,
                    failed_tasks    integer NOT NULL DEFAULT 0,
                    failed_files    bigint NOT NULL DEFAULT 0,
                    -- Files handed to the workflow's rules (discovered items or the submitted paths).
                    numfiles        bigint NOT NULL DEFAULT 0,
                    created         timestamptz NOT NULL DEFAULT now(),
                    started         timestamptz,
                    completed       timestamptz,
                    modified        timestamptz NOT NULL DEFAULT now()
                );
                CREATE INDEX jobs_state ON jobs (state);
                CREATE INDEX jobs_created ON jobs (created DESC);
                -- One row per workflow run inside a job (a submission with `job` adds a run to that job):
                -- the resolved rules the engine follows, kept so that a restarted hub resumes the job.
                CREATE TABLE job_runs (
                    id             bigserial PRIMARY KEY,
                    job_id         bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    workflow_name  text NOT NULL,
                    site           text NOT NULL,
                    resolved       jsonb NOT NULL,
                    paths          jsonb NOT NULL DEFAULT '[]',
                    -- Set once the run's end-of-job work (snapdiff rotate or rollback) has been created.
                    finalized      boolean NOT NULL DEFAULT false,
                    created        timestamptz NOT NULL DEFAULT now()
                );
                CREATE INDEX job_runs_job ON job_runs (job_id);
                -- `id` is the API's task id; `task_id` the id on the wire (a UUID, as Celery's task ids).
                CREATE TABLE tasks (
                    id           bigserial PRIMARY KEY,
                    task_id      text NOT NULL UNIQUE,
                    job_id       bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    run_id       bigint NOT NULL REFERENCES job_runs(id) ON DELETE CASCADE,
                    name         text NOT NULL,
                    kind         text NOT NULL CHECK (kind IN ('discovery', 'step')),
                    rule_index   integer,
                    step_index   integer,
                    parent_id    bigint,
                    site         text NOT NULL,
                    queue        text NOT NULL,
                    kwargs       jsonb NOT NULL DEFAULT '{}',
                    input        jsonb NOT NULL,
                    input_total  integer NOT NULL,
                    state        text NOT NULL DEFAULT 'PENDING',
                    -- The delivery attempt whose result may commit (attempt fencing, DESIGN section 3).
                    attempt      integer NOT NULL DEFAULT 1,
                    -- Outbox: a PENDING task is put on its queue after the transaction that created it
                    -- commits; a dispatcher that died between the two is covered by the claim's expiry.
                    dispatched   boolean NOT NULL DEFAULT false,
                    dispatch_claim timestamptz,
                    entry_id     text,
                    summary      jsonb,
                    error        text,
                    node         text,
                    logs         jsonb,
                    created      timestamptz NOT NULL DEFAULT now(),
                    started      timestamptz,
                    finished     timestamptz
                );
                CREATE INDEX tasks_job ON tasks (job_id, id);
                CREATE INDEX tasks_undispatched ON tasks (id) WHERE state = 'PENDING' AND NOT dispatched;
                -- "Is the job still discovering?" without scanning a big job's tasks.
                CREATE INDEX tasks_open_discovery ON tasks (job_id) WHERE kind = 'discovery' AND state IN ('PENDING', 'STARTED');
                -- Each task's per-file outcomes (for discovery tasks: the items found).
                CREATE TABLE task_files (
                    -- The id `/api/jobstats/` shows.
                    id       bigserial UNIQUE,
                    task_id  bigint NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
                    job_id   bigint NOT NULL,
                    step     boolean NOT NULL,
                    path     text NOT NULL,
                    state    text NOT NULL,
                    size     bigint,
                    message  text,
                    PRIMARY KEY (task_id, path)
                );
                CREATE INDEX task_files_job ON task_files (job_id, path) WHERE step;
                """),
        sitesAndHealth,
        schedulesAndPolicies,
        network,
        pki,
        queues,
        subDAGs,
        fileRowsWithoutJobIndex,
        fileSets,
        hotPath,
        outbox,
        taskInputAsText,
        taskInputLZ4,
        hotTaskUpdates,
        wholeInputSets,
    ]
}
