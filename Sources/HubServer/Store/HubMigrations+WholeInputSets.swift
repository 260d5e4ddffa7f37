import Postgres

extension HubMigrations {
    /// A result whose files all ended one way, as its input listed them (`TaskStatus.allInputs`), is stored
    /// as a set without arrays: `whole_input_state` names the state and the `task_files` view reads the
    /// files from the task's stored input, in input order, with the input's sizes and no message. Every
    /// path of a successful batch was stored twice (input, then outcome), and the outcome copy was the
    /// largest statement of a job of 40-file batches. A set keeps its id, so file ids stay `set id * 2^20 +
    /// position` and `/api/jobstats/` finds them the same way.
    static let wholeInputSets = Migration(
        version: 17, name: "file sets naming their task's whole input",
        sql: """
            ALTER TABLE task_file_sets
                ALTER COLUMN paths DROP NOT NULL, ALTER COLUMN states DROP NOT NULL,
                ALTER COLUMN sizes DROP NOT NULL, ALTER COLUMN messages DROP NOT NULL,
                ADD COLUMN whole_input_state text,
                ADD CONSTRAINT task_file_sets_arrays_or_whole_input CHECK (
                    CASE WHEN whole_input_state IS NULL
                         THEN paths IS NOT NULL AND states IS NOT NULL AND sizes IS NOT NULL AND messages IS NOT NULL
                         ELSE paths IS NULL AND states IS NULL AND sizes IS NULL AND messages IS NULL END);
            CREATE OR REPLACE VIEW task_files AS
                SELECT s.id AS set_id, s.id * 1048576 + f.n - 1 AS id, s.task_id, s.job_id, s.step,
                       f.path, f.state, f.size, f.message
                FROM task_file_sets s
                CROSS JOIN LATERAL unnest(s.paths, s.states, s.sizes, s.messages) WITH ORDINALITY AS f(path, state, size, message, n)
                UNION ALL
                SELECT s.id, s.id * 1048576 + e.n - 1, s.task_id, s.job_id, s.step,
                       e.item->>'path', s.whole_input_state, (e.item->>'size')::bigint, NULL::text
                FROM task_file_sets s
                JOIN tasks t ON t.id = s.task_id
                CROSS JOIN LATERAL json_array_elements(t.input) WITH ORDINALITY AS e(item, n)
                WHERE s.whole_input_state IS NOT NULL;
            """)
}
