import Foundation
import Postgres
import Shared
import Testing

@testable import HubServer

/// Whole-input results (`TaskStatus.allInputs`, migration 17) through the engine and real PostgreSQL:
/// stored as a set without arrays, read by `task_files` as the task's input in one state; merged with what
/// a task streamed as if listed.
@Suite struct WholeInputSetsTests {
    static func result(_ taskID: String, job: Int64, state: FileState, inputs: Int, attempt: Int = 1) -> HubMessage {
        var status = TaskStatus(task: "dynamo.tasks.migrate", inputPaths: [], inputTotal: inputs, started: Date())
        status.summary[state.rawValue] = inputs
        status.allInputs = state.rawValue
        return .result(TaskResult(taskID: taskID, attempt: attempt, jobID: Int(job), paths: nil, status: status, node: "node-1:1:1"))
    }

    /// A `two_steps` job (DerivedPathsTests) on `/mmfs1/data/f0...`, without discovery.
    static func submit(_ fixture: EngineFixture, paths: Int) async throws -> Int64 {
        try await DerivedPathsTests.twoSteps(fixture)
        return try await fixture.engine.submit(
            [
                "workflow": "two_steps", "site": .string(fixture.site), "paths": .array((0..<paths).map { .string("/mmfs1/data/f\($0)") }),
                "discovery": .null, "fields": .object([:]),
            ], owner: nil)
    }

    static func firstStep(_ fixture: EngineFixture, job: Int64) async throws -> String {
        try #require(
            try await fixture.pool.query("SELECT task_id FROM tasks WHERE job_id = $1 AND step_index = 0", [.int64(job)])
                .decodeColumn(String.self, "task_id").first)
    }

    static func files(_ fixture: EngineFixture, task: String) async throws -> [(id: Int64, path: String, state: String, size: Int64?, message: String?)] {
        try await fixture.pool.query(
            "SELECT f.id, f.path, f.state, f.size, f.message FROM task_files f JOIN tasks t ON t.id = f.task_id WHERE t.task_id = $1 ORDER BY f.id",
            [.string(task)]
        ).map {
            (try $0.decode(Int64.self, "id"), try $0.decode(String.self, "path"), try $0.decode(String.self, "state"),
             try $0.decode(Int64?.self, "size"), try $0.decode(String?.self, "message"))
        }
    }

    @Test func aWholeInputResultReadsAsItsInputInOneState() async throws {
        try await EngineFixture.with { fixture in
            let job = try await Self.submit(fixture, paths: 2)
            let task = try await Self.firstStep(fixture, job: job)
            // Sizes as discovery gives them, and an awkward path.
            let inputs: [PathItem] = [PathItem(path: "/mmfs1/x/b \"quoted\"", size: 7, type: "file"), PathItem(path: "/mmfs1/x/a", type: "file")]
            try await fixture.pool.execute(
                "UPDATE tasks SET input = $2::json WHERE task_id = $1",
                [.string(task), .string(String(decoding: try WireCoding.encode(inputs), as: UTF8.self))])
            try await fixture.engine.apply([Self.result(task, job: job, state: .skipped, inputs: 2)])
            await fixture.engine.pipeline.flush()
            // The chain goes on with the whole input, as it would with the files listed.
            let next = try #require(
                try await fixture.pool.query("SELECT input::text AS input FROM tasks WHERE job_id = $1 AND step_index = 1", [.int64(job)])
                    .decodeColumn(String.self, "input").first)
            #expect(try WireCoding.decode([PathItem].self, from: Array(next.utf8)) == inputs)

            #expect(try await fixture.count("SELECT count(*) AS n FROM task_file_sets WHERE paths IS NULL AND whole_input_state = 'skipped'") == 1)
            let rows = try await Self.files(fixture, task: task)
            #expect(rows.map(\.path) == inputs.map(\.path), "in input order")
            #expect(rows.map(\.state) == ["skipped", "skipped"])
            #expect(rows.map(\.size) == [7, nil])
            #expect(rows.allSatisfy { $0.message == nil })
            // Ids as for any set: its id times 2^20 plus the position.
            let set = try #require(rows.first).id / Int64(FileSets.perSet)
            #expect(rows.map(\.id) == [set * Int64(FileSets.perSet), set * Int64(FileSets.perSet) + 1])
            // The job's per-file views read them like listed ones.
            let counts = try await JobQueries(pool: fixture.pool).fileCounts(job: job)
            #expect(counts["skipped"] == 2)
        }
    }

    /// A retried attempt's whole-input result, for a task whose earlier attempt streamed progress, is
    /// merged with what was streamed: each file once, with the result's word.
    @Test func aWholeInputResultOfAStreamedTaskIsMergedFileByFile() async throws {
        try await EngineFixture.with { fixture in
            let job = try await Self.submit(fixture, paths: 1)
            let task = try await Self.firstStep(fixture, job: job)
            let path = "/mmfs1/data/f0"
            try await fixture.engine.apply([
                .started(TaskStarted(taskID: task, attempt: 1, jobID: Int(job), node: "node-1:1:1", started: Date())),
                .progress(FileOutcomeBatch(taskID: task, attempt: 1, jobID: Int(job), state: .failures, files: [FileDetail(path: path, message: ["retry"])])),
            ])
            try await fixture.engine.apply([Self.result(task, job: job, state: .processed, inputs: 1, attempt: 2)])
            await fixture.engine.pipeline.flush()
            let rows = try await Self.files(fixture, task: task)
            #expect(rows.map(\.path) == [path])
            #expect(rows.map(\.state) == ["processed"])
            #expect(try await fixture.count("SELECT count(*) AS n FROM task_file_sets WHERE whole_input_state IS NOT NULL") == 0)
        }
    }

    /// A result naming a whole-input state and listing more files (not what a worker sends) loses none.
    @Test func aWholeInputResultThatAlsoListsFilesIsStoredFileByFile() async throws {
        try await EngineFixture.with { fixture in
            let job = try await Self.submit(fixture, paths: 1)
            let task = try await Self.firstStep(fixture, job: job)
            guard case .result(var result) = Self.result(task, job: job, state: .processed, inputs: 1) else { return }
            result.status.details["skipped"] = [FileDetail(path: "/mmfs1/data/extra")]
            try await fixture.engine.apply([.result(result)])
            await fixture.engine.pipeline.flush()
            let rows = try await Self.files(fixture, task: task)
            #expect(Set(rows.map { "\($0.path) \($0.state)" }) == ["/mmfs1/data/f0 processed", "/mmfs1/data/extra skipped"])
            #expect(try await fixture.count("SELECT count(*) AS n FROM task_file_sets WHERE whole_input_state IS NOT NULL") == 0)
        }
    }

    /// A stored whole-input set that is merged over (not a path the engine takes; kept safe) is spelled out.
    @Test func aStoredWholeInputSetIsSpelledOutWhenMergedOver() async throws {
        try await EngineFixture.with { fixture in
            let (job, _) = try await fixture.job(tasks: 1)
            let id = try #require(
                try await fixture.pool.query("SELECT id FROM tasks WHERE job_id = $1 AND state = 'PENDING'", [.int64(job)])
                    .decodeColumn(Int64.self, "id").first)
            try await fixture.pool.withConnection { conn in
                var whole = FileSets()
                whole.addWholeInput(task: id, job: job, step: true, state: "processed")
                try whole.insert(on: conn)
                var later = FileSets()
                later.add(task: id, job: job, step: true, mergesStored: true, [(FileDetail(path: "/mmfs1/other"), "skipped")])
                try later.insert(on: conn)
            }
            let rows = try await fixture.pool.query("SELECT path, state FROM task_files WHERE task_id = $1 ORDER BY id", [.int64(id)])
                .map { "\(try $0.decode(String.self, "path")) \(try $0.decode(String.self, "state"))" }
            #expect(rows == ["/mmfs1/job\(job)/f0 processed", "/mmfs1/other skipped"])
        }
    }
}
