import Postgres

extension HubMigrations {
    /// Sending a task no longer writes its row again: an outbox row per dispatch batch stands for the
    /// batch's tasks until they are on their queues.
    ///
    /// Before, each task was inserted with a dispatch claim and, after its XADD, updated to "dispatched"
    /// with its stream entry id (kept for taking it back on a pause or cancel): a quarter of the database's
    /// work per task. Now `dispatched` means "on its queue, or in a live outbox row about to be": tasks are
    /// inserted so, in the transaction that also inserts their batch's `dispatch_outbox` row, and that row
    /// is deleted once the batch is on its queues. A row whose claim expired (its hub died, or Redis failed)
    /// returns its tasks to waiting for the sweep. A paused or cancelled job's entries are found on the
    /// streams by the `job` tag each entry carries, so no entry id is stored.
    ///
    /// Tasks claimed by the old per-task claim and never sent are `NOT dispatched` and the sweep sends them.
    /// Entries queued before this migration carry no tag: a pause or cancel does not take those back, and
    /// they run.
    static let outbox = Migration(
        version: 13, name: "dispatch outbox rows per batch instead of a dispatched update per task",
        sql: """
            CREATE TABLE dispatch_outbox (
                id          bigserial PRIMARY KEY,
                tasks       bigint[] NOT NULL,
                claim_until timestamptz NOT NULL
            );
            ALTER TABLE tasks DROP COLUMN dispatch_claim, DROP COLUMN entry_id;
            """)

    /// A task's input paths are stored as the JSON text they arrive in (`json`), not parsed into `jsonb`:
    /// nothing queries inside them, and every read takes them whole (the task views, the sweep, the
    /// housekeeping), while the parse was the largest part of inserting a 40-file task.
    static let taskInputAsText = Migration(
        version: 14, name: "task inputs stored as json text",
        sql: """
            ALTER TABLE tasks ALTER COLUMN input TYPE json USING input::json;
            """)

    /// A 40-file task's input (about 3.6 kB of JSON) is over the TOAST threshold, so every insert
    /// compressed it; lz4 does that in about half pglz's time (2,500 rows: 35-70 ms against 73-118 ms).
    /// Values already stored keep pglz (both read back alike). A server before 14 (no per-column
    /// compression: the statement is run through EXECUTE, so it is parsed only where it exists) or built
    /// without lz4 keeps pglz.
    static let taskInputLZ4 = Migration(
        version: 15, name: "task inputs compressed with lz4 where the server has it",
        sql: """
            DO $$
            BEGIN
                IF current_setting('server_version_num')::int >= 140000 THEN
                    EXECUTE 'ALTER TABLE tasks ALTER COLUMN input SET COMPRESSION lz4';
                END IF;
            EXCEPTION WHEN feature_not_supported THEN
                RAISE WARNING 'this PostgreSQL has no lz4: task inputs stay pglz-compressed';
            END $$;
            """)
}
