import Postgres

extension HubMigrations {
    /// A task's state changes (started, result, cancel) become HOT updates: the new row version goes on the
    /// same page and no index gets a new entry.
    ///
    /// PostgreSQL can only do that when no index names a changed column, in its keys or in its predicate.
    /// Five partial indexes named `state` (and `started`, `finished`, `error`), so every result rewrote
    /// every index of the table: 44 µs a task on the 1-file benchmark, against 22 µs as a HOT update.
    /// What they served is kept another way:
    /// - waiting tasks (the sweep): `tasks_undispatched` is now on `NOT dispatched` alone, and a CHECK keeps
    ///   `dispatched` false only while a task is PENDING (every statement taking a task out of PENDING sets
    ///   it true), so the index holds only tasks waiting to be sent;
    /// - open discovery ("walking") and open system tasks: indexes on the kind, which never changes; the
    ///   state is read from the rows (a site's system tasks; a running job's discovery tasks, one per
    ///   directory: a running job of 100,000 directories reads that many rows for its `walking` flag);
    /// - stale STARTED tasks (hourly): found among the tasks of unfinished jobs (only those have any);
    /// - tasks invalidated in the last day (the alert): counted in `task_invalidations`, written with the
    ///   invalidating result. Invalidations of the last day are copied over.
    /// The table keeps half of each new page free (fillfactor 50): a result applies to a run of tasks that
    /// were inserted together, so a page needs room for the new versions of most of its rows at once.
    static let hotTaskUpdates = Migration(
        version: 16, name: "task state changes as HOT updates",
        sql: """
            CREATE TABLE task_invalidations (
                id   bigserial PRIMARY KEY,
                site text NOT NULL,
                at   timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX task_invalidations_at ON task_invalidations (at);
            INSERT INTO task_invalidations (site, at)
                SELECT site, finished FROM tasks
                WHERE state = 'FAILURE' AND error LIKE 'invalidated:%' AND finished > now() - interval '24 hours';

            UPDATE tasks SET dispatched = true WHERE NOT dispatched AND state <> 'PENDING';
            ALTER TABLE tasks ADD CONSTRAINT tasks_waiting_only_pending CHECK (dispatched OR state = 'PENDING');

            DROP INDEX tasks_started, tasks_invalidated, tasks_open_discovery, tasks_open_system, tasks_undispatched;
            CREATE INDEX tasks_undispatched ON tasks (id) WHERE NOT dispatched;
            CREATE INDEX tasks_discovery ON tasks (job_id) WHERE kind = 'discovery';
            CREATE INDEX tasks_system ON tasks (site, name) WHERE kind = 'system';
            ALTER TABLE tasks SET (fillfactor = 50);
            """)
}
