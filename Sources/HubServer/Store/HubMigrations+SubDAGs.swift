import Postgres

extension HubMigrations {
    /// Sub-DAGs submitted by running tasks (manual L9709-9785). A graph is stored once per submitting
    /// result; each of its nodes becomes a `step` task of the parent job (no rule or step index) when its
    /// parents have finished, and keeps the paths it passes on for children that join several parents.
    static let subDAGs = Migration(
        version: 9, name: "sub-DAGs submitted by running tasks",
        sql: """
            CREATE TABLE subdags (
                id          bigserial PRIMARY KEY,
                job_id      bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                run_id      bigint NOT NULL REFERENCES job_runs(id) ON DELETE CASCADE,
                -- the task whose result submitted the graph (tasks.id)
                task_id     bigint NOT NULL,
                -- where nodes without a site or queue of their own run: the submitting task's
                site        text NOT NULL,
                queue       text NOT NULL,
                graph       jsonb NOT NULL,
                created     timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX subdags_job ON subdags (job_id);
            ALTER TABLE tasks ADD COLUMN subdag_id bigint REFERENCES subdags(id) ON DELETE CASCADE;
            ALTER TABLE tasks ADD COLUMN subdag_node text;
            ALTER TABLE tasks ADD COLUMN passed_on jsonb;
            CREATE UNIQUE INDEX tasks_subdag_node ON tasks (subdag_id, subdag_node) WHERE subdag_id IS NOT NULL;
            """)
}
