import Postgres

extension HubMigrations {
    /// Per-file outcomes are stored as one row per task report (`task_file_sets`: parallel arrays of
    /// paths, states, sizes and messages) instead of one row per file: a 100,000-file job wrote 200,000
    /// rows and their index entries (discovery items plus step outcomes), which was most of what
    /// PostgreSQL did for it; as sets it writes a few thousand. `task_files` stays, as a view with the
    /// same columns, so every reader (file views, job stats, `hide_noop`) is unchanged.
    ///
    /// A file's id (the one `/api/jobstats/` shows) is its set's id times 2^20 plus its position in the
    /// set, so a set holds at most 2^20 files (`FileSets.perSet`) and ids stay exact in JSON doubles for
    /// 2^33 sets. Rows already stored are regrouped by task, in their old id order.
    static let fileSets = Migration(
        version: 11, name: "per-file outcomes stored as one set per task report",
        sql: """
            CREATE TABLE task_file_sets (
                id       bigserial PRIMARY KEY,
                task_id  bigint NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
                job_id   bigint NOT NULL,
                step     boolean NOT NULL,
                paths    text[] NOT NULL,
                states   text[] NOT NULL,
                sizes    int8[] NOT NULL,
                messages text[] NOT NULL,
                -- Parallel arrays: unnest would pad a short one with NULLs.
                CHECK (cardinality(states) = cardinality(paths) AND cardinality(sizes) = cardinality(paths)
                       AND cardinality(messages) = cardinality(paths))
            ) WITH (toast_tuple_target = 8160);
            CREATE INDEX task_file_sets_task ON task_file_sets (task_id);
            INSERT INTO task_file_sets (task_id, job_id, step, paths, states, sizes, messages)
                SELECT task_id, job_id, step, array_agg(path ORDER BY id), array_agg(state ORDER BY id),
                       array_agg(size ORDER BY id), array_agg(message ORDER BY id)
                FROM (SELECT *, (row_number() OVER (PARTITION BY task_id ORDER BY id) - 1) / 1048576 AS part FROM task_files) f
                GROUP BY task_id, job_id, step, part ORDER BY task_id, part;
            DROP TABLE task_files;
            CREATE VIEW task_files AS
                SELECT s.id AS set_id, s.id * 1048576 + f.n - 1 AS id, s.task_id, s.job_id, s.step,
                       f.path, f.state, f.size, f.message
                FROM task_file_sets s
                CROSS JOIN LATERAL unnest(s.paths, s.states, s.sizes, s.messages) WITH ORDINALITY AS f(path, state, size, message, n);
            """)
}
