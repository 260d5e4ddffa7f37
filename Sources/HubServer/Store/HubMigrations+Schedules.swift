import Postgres

extension HubMigrations {
    /// Schedules with their workflows, the record of every occurrence fired, and policies.
    static let schedulesAndPolicies = Migration(
        version: 5, name: "schedules, schedule workflows, schedule runs, policies",
        sql: """
            CREATE TABLE schedules (
                id                bigserial PRIMARY KEY,
                name              text NOT NULL,
                site_id           bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
                space_id          bigint REFERENCES spaces(id) ON DELETE SET NULL,
                -- celery-crontab strings as the API gives them (manual L15150-15303)
                minute            text NOT NULL DEFAULT '*',
                hour              text NOT NULL DEFAULT '*',
                day_of_week       text NOT NULL DEFAULT '*',
                day_of_month      text NOT NULL DEFAULT '*',
                month_of_year     text NOT NULL DEFAULT '*',
                -- null: the site's time zone (schedules follow the site's clock, L153)
                timezone          text,
                discovery         text,
                discovery_options jsonb,
                enabled           boolean NOT NULL DEFAULT true,
                managed_paths     jsonb NOT NULL DEFAULT '[]',
                -- what to do when the previous run's job is still going: 'allow' or 'skip'
                overlap           text NOT NULL DEFAULT 'allow' CHECK (overlap IN ('allow', 'skip')),
                start_date_time   timestamptz,
                first_occur       boolean NOT NULL DEFAULT false,
                -- the last occurrence fired (or skipped); the scheduler fires only later ones
                last_due          timestamptz,
                created           timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE schedule_workflows (
                id           bigserial PRIMARY KEY,
                schedule_id  bigint NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
                workflow     text NOT NULL,
                site         text NOT NULL,
                queue        text NOT NULL DEFAULT 'default',
                fields       jsonb NOT NULL DEFAULT '{}'
            );
            CREATE INDEX schedule_workflows_schedule ON schedule_workflows (schedule_id, id);
            -- One row per occurrence fired: the primary key is what makes an occurrence fire once, whatever
            -- the number of hub replicas; the row and the job it started commit together.
            CREATE TABLE schedule_runs (
                schedule_id  bigint NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
                -- the schedule workflow the job runs (a schedule starts one job per workflow)
                workflow_id  bigint NOT NULL,
                due          timestamptz NOT NULL,
                fired        timestamptz NOT NULL DEFAULT now(),
                job_id       bigint,
                -- why no job was started (overlap, a submission error), or null
                skipped      text,
                PRIMARY KEY (schedule_id, workflow_id, due)
            );
            ALTER TABLE jobs ADD COLUMN schedule_id bigint REFERENCES schedules(id) ON DELETE SET NULL,
                             ADD COLUMN schedule_name text,
                             ADD COLUMN policy_id bigint;
            CREATE INDEX jobs_schedule ON jobs (schedule_id) WHERE schedule_id IS NOT NULL;

            CREATE TABLE policies (
                id          bigserial PRIMARY KEY,
                name        text NOT NULL,
                site_id     bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
                -- HubCore's PolicyDefinition as JSON (schedule, triggers, order, conditions, ...)
                definition  jsonb NOT NULL,
                enabled     boolean NOT NULL DEFAULT true,
                last_due    timestamptz,
                created     timestamptz NOT NULL DEFAULT now()
            );
            -- Housekeeping's scans: stale STARTED tasks, recent invalidations, open inventory requests.
            CREATE INDEX tasks_started ON tasks (started) WHERE state = 'STARTED';
            CREATE INDEX tasks_invalidated ON tasks (site, finished) WHERE state = 'FAILURE' AND error LIKE 'invalidated:%';
            CREATE INDEX tasks_open_system ON tasks (site, name) WHERE kind = 'system' AND state IN ('PENDING', 'STARTED');
            CREATE TABLE policy_runs (
                policy_id  bigint NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
                due        timestamptz NOT NULL,
                fired      timestamptz NOT NULL DEFAULT now(),
                skipped    text,
                PRIMARY KEY (policy_id, due)
            );
            """)
}
