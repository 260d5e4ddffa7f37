import Postgres

extension HubMigrations {
    /// Per-file outcome rows are the hub's most written table (one per file per step). Their (job, path)
    /// index cost a third of each insert; a job's files are found through its tasks instead
    /// (`tasks_job`, then the (task, path) primary key), which the file views and job stats now do. A task
    /// that streamed progress is marked, so only its final rows pay for merging with what it streamed.
    static let fileRowsWithoutJobIndex = Migration(
        version: 10, name: "file rows found through their tasks",
        sql: """
            DROP INDEX IF EXISTS task_files_job;
            ALTER TABLE tasks ADD COLUMN streamed boolean NOT NULL DEFAULT false;
            """)
}
