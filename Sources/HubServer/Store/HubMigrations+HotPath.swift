import Postgres

extension HubMigrations {
    /// The rows written per task (its insert and its file sets) no longer pay a foreign-key check each.
    ///
    /// A foreign key checks every inserted row with a query of its own (`SELECT ... FOR KEY SHARE`): for a
    /// busy job of one-file tasks that was a third of a task's insert and two thirds of a file set's.
    /// Every such row is written in the transaction that created or locked its job (`FOR UPDATE`) and
    /// updated its task, so the checks could never fail. What the keys also did, deleting a job's tasks and
    /// their file sets with it, is kept by statement triggers, which delete all of a statement's orphans in
    /// one set-based statement (a job deleted while a result is applied waits for that transaction's job
    /// lock, and its trigger then sees the tasks it created). A run is only ever deleted with its job.
    ///
    /// Task ids are compared byte-wise (`COLLATE "C"`): they are UUIDs, and the database's default
    /// collation made every comparison in their unique index a locale-aware `strcoll`.
    static let hotPath = Migration(
        version: 12, name: "no per-row foreign-key checks on tasks and file sets; byte-wise task ids",
        sql: """
            ALTER TABLE tasks DROP CONSTRAINT tasks_job_id_fkey, DROP CONSTRAINT tasks_run_id_fkey;
            ALTER TABLE task_file_sets DROP CONSTRAINT task_file_sets_task_id_fkey;
            ALTER TABLE tasks ALTER COLUMN task_id TYPE text COLLATE "C";

            CREATE FUNCTION delete_tasks_of_deleted_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                DELETE FROM tasks t USING gone g WHERE t.job_id = g.id;
                RETURN NULL;
            END $$;
            CREATE TRIGGER jobs_delete_tasks AFTER DELETE ON jobs
                REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION delete_tasks_of_deleted_jobs();

            CREATE FUNCTION delete_file_sets_of_deleted_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                DELETE FROM task_file_sets s USING gone g WHERE s.task_id = g.id;
                RETURN NULL;
            END $$;
            CREATE TRIGGER tasks_delete_file_sets AFTER DELETE ON tasks
                REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION delete_file_sets_of_deleted_tasks();
            """)
}
