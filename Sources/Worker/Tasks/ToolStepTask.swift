import Foundation
import Shared

/// A workflow step that runs one per-file Ngenea tool over the task's paths (migrate, recall,
/// reverse_stub, unmanage): kwargs become flags, `sub_batch` splits the paths into sequential runs, and
/// every file's line lands in the status.
struct ToolStepTask: WorkerTask {
    typealias Options = @Sendable (TaskArguments) throws(TaskFailure) -> [String]

    let tool: String
    let runner: ToolRunner
    /// The tool's flags for the task's kwargs.
    let options: Options

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        let arguments = TaskArguments(envelope.kwargs)
        let flags = try options(arguments)
        let subBatch = try arguments.subBatch()
        let result = try await runner.runChunks(
            tool: tool, options: flags, paths: envelope.paths.map(\.path), subBatch: subBatch)
        var status = TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started)
        status.add(envelope.paths, result.outcomes)
        return TaskOutcome(status: status, logs: result.logs)
    }
}

extension TaskArguments {
    /// `sub_batch`: the size of the sequential chunks; absent, null or 0 means one run (L12245).
    func subBatch() throws(TaskFailure) -> Int? {
        guard let size = try int("sub_batch", range: 0...Int.max), size > 0 else { return nil }
        return size
    }
}

extension ToolRunner {
    /// Runs `tool` over `paths` in sequential chunks of `subBatch` (all at once when nil). Paths the
    /// tools cannot take (empty, or holding a NUL) fail without being passed.
    func runChunks(tool: String, options: [String], paths: [String], subBatch: Int?) async throws -> ToolBatchResult {
        var outcomes = [ToolFileOutcome?](repeating: nil, count: paths.count)
        var runnable: [Int] = []
        for (index, path) in paths.enumerated() {
            if path.isEmpty || path.utf8.contains(0) {
                outcomes[index] = ToolFileOutcome(state: .failures, message: "invalid path (empty or containing NUL)")
            } else {
                runnable.append(index)
            }
        }
        var logs: [String] = []
        let size = subBatch ?? max(runnable.count, 1)
        for start in stride(from: 0, to: runnable.count, by: size) {
            try Task.checkCancellation()
            let chunk = Array(runnable[start..<min(start + size, runnable.count)])
            let result = try await runBatch(tool: tool, options: options, paths: chunk.map { paths[$0] })
            for (index, outcome) in zip(chunk, result.outcomes) { outcomes[index] = outcome }
            logs += result.logs
        }
        return ToolBatchResult(
            outcomes: outcomes.map { $0 ?? ToolFileOutcome(state: .failures, message: "not run") }, logs: logs)
    }
}

extension TaskStatus {
    /// Records one outcome per input item, in order, with the item's size when known.
    mutating func add(_ items: [PathItem], _ outcomes: [ToolFileOutcome]) {
        for (item, outcome) in zip(items, outcomes) {
            add(outcome.state, outcome.detail(path: item.path, size: item.size))
        }
    }
}
