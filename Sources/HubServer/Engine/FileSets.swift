import Postgres
import Shared

/// The per-file outcomes one transaction stores: one set (a `task_file_sets` row of parallel arrays,
/// migration 11) per task and report, loaded with COPY. A file reported twice for a task keeps the last
/// word.
///
/// A task that streamed progress has sets already; its result is merged with them: they are read, the
/// result's outcomes laid over them, and the task's sets replaced by the merged one. That costs a read of
/// what the task streamed, once, at its result; streaming tasks are the long ones, so that is rare.
/// Progress itself only appends (a re-delivered report merges, like a result): a retried attempt streaming
/// the files its predecessor streamed shows them twice in the task's history until its result merges them
/// (job views already take one state per path). The merge gives the task's files new ids, as a rewrite
/// does. It reads all a task streamed, beyond the consumer's paths-per-transaction bound; only tasks that
/// ran long enough to stream pay it, once.
struct FileSets {
    /// The most files in one set: a file's id is its set's id times this plus its position
    /// (the `task_files` view of migration 11).
    static let perSet = 1 << 20

    /// One task's outcomes in report order. `put` keeps one per path through `index`; a stored set decoded
    /// by `takeStored` has no index and is only laid over another.
    private struct Outcomes {
        let task: Int64
        let job: Int64
        let step: Bool
        /// The task has stored sets this one is merged with.
        var mergesStored = false
        var paths: [String] = [], states: [String] = [], sizes: [Int64?] = [], messages: [String?] = []
        private var index: [String: Int] = [:]

        init(task: Int64, job: Int64, step: Bool) {
            self.task = task
            self.job = job
            self.step = step
        }

        mutating func put(_ path: String, state: String, size: Int64?, message: String?) {
            if let at = index[path] {
                states[at] = state
                sizes[at] = size
                messages[at] = message
                return
            }
            index[path] = paths.count
            paths.append(path)
            states.append(state)
            sizes.append(size)
            messages.append(message)
        }

        /// Lays `other`'s outcomes over these (its word is the last).
        mutating func overlay(_ other: Outcomes) {
            for at in other.paths.indices {
                put(other.paths[at], state: other.states[at], size: other.sizes[at], message: other.messages[at])
            }
        }
    }

    private var sets: [Outcomes] = []
    private var byTask: [Int64: Int] = [:]
    /// Tasks whose whole input ended in one state (`TaskStatus.allInputs`): a set without arrays, whose
    /// files the `task_files` view reads from the task's stored input (migration 17).
    private var wholeInputs: [(task: Int64, job: Int64, step: Bool, state: String)] = []

    /// Records that every input file of `task` ended in `state`. Not for a task with stored sets to
    /// merge with: its caller lists the files (`TaskStatus.expandedDetails`) and `add`s them.
    mutating func addWholeInput(task: Int64, job: Int64, step: Bool, state: String) {
        wholeInputs.append((task, job, step, state))
    }

    /// `mergesStored`: the task may have stored sets naming these paths (it streamed progress, or this is a
    /// re-delivered report), so they are merged with these outcomes instead of appended to.
    mutating func add(task: Int64, job: Int64, step: Bool, mergesStored: Bool, _ files: [(FileDetail, String)]) {
        let at: Int
        if let known = byTask[task] {
            at = known
        } else {
            at = sets.count
            byTask[task] = at
            sets.append(Outcomes(task: task, job: job, step: step))
        }
        sets[at].mergesStored = sets[at].mergesStored || mergesStored
        for (detail, state) in files {
            sets[at].put(detail.path, state: state, size: detail.size, message: detail.message.map { $0.joined(separator: "\n") })
        }
    }

    func insert(on conn: PostgresConnection) throws {
        var out = sets.filter { !$0.paths.isEmpty || $0.mergesStored }
        guard !out.isEmpty || !wholeInputs.isEmpty else { return }
        let merging = out.indices.filter { out[$0].mergesStored }
        if !merging.isEmpty {
            let stored = try Self.takeStored(tasks: merging.map { out[$0].task }, on: conn)
            for at in merging {
                guard var merged = stored[out[at].task] else { continue }
                merged.overlay(out[at])
                out[at] = merged
            }
        }
        let listed = out.lazy.flatMap { set in
            stride(from: 0, to: set.paths.count, by: Self.perSet).lazy.map { start -> [PostgresBind?] in
                let part = start..<min(start + Self.perSet, set.paths.count)
                return [
                    .int64(set.task), .int64(set.job), .bool(set.step), .array(Array(set.paths[part])),
                    .array(Array(set.states[part])), .array(Array(set.sizes[part])), .array(Array(set.messages[part])), nil,
                ]
            }
        }
        let whole = wholeInputs.lazy.map { set -> [PostgresBind?] in
            [.int64(set.task), .int64(set.job), .bool(set.step), nil, nil, nil, nil, .string(set.state)]
        }
        try conn.copyIn(
            into: PostgresIdentifier("task_file_sets"),
            columns: ["task_id", "job_id", "step", "paths", "states", "sizes", "messages", "whole_input_state"],
            rows: [AnySequence(listed), AnySequence(whole)].joined(), format: .binary)
    }

    /// Deletes the stored sets of `tasks` and returns each task's files, later sets over earlier ones.
    private static func takeStored(tasks: [Int64], on conn: PostgresConnection) throws -> [Int64: Outcomes] {
        var parts: [(id: Int64, set: Outcomes)] = []
        for row in try conn.query(
            """
            WITH taken AS (
                DELETE FROM task_file_sets WHERE task_id = ANY($1::int8[])
                RETURNING id, task_id, job_id, step, paths, states, sizes, messages, whole_input_state
            )
            SELECT taken.*, CASE WHEN whole_input_state IS NOT NULL THEN (SELECT t.input::text FROM tasks t WHERE t.id = taken.task_id) END AS input
            FROM taken
            """, [.array(tasks)])
        {
            var set = Outcomes(task: try row.decode(Int64.self, "task_id"), job: try row.decode(Int64.self, "job_id"), step: try row.decode(Bool.self, "step"))
            if let state = try row.decode(String?.self, "whole_input_state") {
                // The task's whole input in one state (migration 17), spelled out to be merged.
                let input = try WireCoding.decode([PathItem].self, from: Array((try row.decode(String?.self, "input") ?? "[]").utf8))
                set.paths = input.map(\.path)
                set.states = Array(repeating: state, count: input.count)
                set.sizes = input.map(\.size)
                set.messages = Array(repeating: nil, count: input.count)
            } else {
                set.paths = try row.decode([String].self, "paths")
                set.states = try row.decode([String].self, "states")
                set.sizes = try row.decode([Int64?].self, "sizes")
                set.messages = try row.decode([String?].self, "messages")
            }
            parts.append((try row.decode(Int64.self, "id"), set))
        }
        var stored: [Int64: Outcomes] = [:]
        for part in parts.sorted(by: { $0.id < $1.id }) {
            stored[part.set.task, default: Outcomes(task: part.set.task, job: part.set.job, step: part.set.step)].overlay(part.set)
        }
        return stored
    }
}
