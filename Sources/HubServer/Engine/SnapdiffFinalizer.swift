import Foundation
import HubCore
import Postgres
import Shared

/// The end of a snapdiff job (spec/03 sections 7.4 and 17.6, L11899-11911): before the job is final, each
/// snapdiff run gets a `rotate_snapshot` task on its site that makes the new snapshot the last synced one
/// and releases the fileset lock; it rolls back instead (the next run sees the same changes again) when
/// files failed and the run's `snappdiff_rotate_on_error` field is false, or when the job was cancelled.
enum SnapdiffFinalizer {
    static let task = "dynamo.tasks.rotate_snapshot"

    /// Creates the rotate tasks of the job's unfinalized snapdiff runs; returns whether it created any.
    /// `failed`: files or whole tasks of the job failed.
    static func schedule(job: Int64, outcome: JobState, failed: Bool, on conn: PostgresConnection) throws -> Bool {
        let runs = try conn.query(
            """
            UPDATE job_runs r SET finalized = true
            FROM jobs j
            WHERE r.job_id = $1 AND j.id = r.job_id AND NOT r.finalized
              AND r.resolved->>'discovery' IN ('snapdiff', 'bidirectional_snapdiff')
            RETURNING r.id, r.site, j.queue, r.paths::text AS paths, r.resolved->'fields'->'snappdiff_rotate_on_error' AS rotate
            """, [.int64(job)])
        guard !runs.isEmpty else { return false }
        var tasks: [NewTask] = []
        for row in runs {
            // The field may come as a bool or, from a form, as a string; absent means rotate (L11901).
            let rotateOnError = (try row.decode(String?.self, "rotate")).map { !["false", "\"false\""].contains($0) } ?? true
            let rollback = outcome == .cancelled || (failed && !rotateOnError)
            tasks.append(
                NewTask(
                    jobID: job, runID: try row.decode(Int64.self, "id"), name: task, kind: .step,
                    queue: try QueueName(site: try row.decode(String.self, "site"), queue: try row.decode(String.self, "queue"), function: .worker),
                    kwargs: ["rollback": .bool(rollback)],
                    input: try WireCoding.decode([PathItem].self, from: Array(try row.decode(String.self, "paths").utf8))))
        }
        _ = try NewTask.insert(tasks, on: conn)
        try conn.execute(
            "UPDATE jobs SET open_tasks = open_tasks + $2, total_tasks = total_tasks + $2 WHERE id = $1",
            [.int64(job), .int(tasks.count)])
        return true
    }
}
