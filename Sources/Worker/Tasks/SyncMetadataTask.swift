import Foundation
import Shared

/// `dynamo.tasks.ngenea_sync_metadata` (L12295-12303): `ngmigrate --sync-metadata` over the managed files.
///
/// ngmigrate migrates whatever is not migrated yet, so the files are sorted first by their HSM state:
/// migrated ones get `--sync-metadata`; premigrated ones `--premigrate --sync-metadata` (unchanged: skipped;
/// changed: uploaded again, which brings the remote copy in line); unmanaged ones are skipped ("nothing to
/// sync") and missing ones fail. `skip_hash` and `default_uid`/`default_gid` have no ngmigrate flag and are
/// ignored.
struct SyncMetadataTask: WorkerTask {
    static let name = "dynamo.tasks.ngenea_sync_metadata"
    static let tool = "ngmigrate"
    let runner: ToolRunner

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        let arguments = TaskArguments(envelope.kwargs)
        let flags = try NgeneaOptions.syncMetadata(arguments)
        let paths = envelope.paths.map(\.path)
        let states = try await OffPool.run("sync-metadata-states") { paths.map(Self.classify) }
        var outcomes = [ToolFileOutcome?](repeating: nil, count: paths.count)
        var groups: [String: [Int]] = [:]
        for (index, state) in states.enumerated() {
            switch state {
            case .managed(let hsm): groups[hsm, default: []].append(index)
            case .done(let outcome): outcomes[index] = outcome
            }
        }
        var logs: [String] = []
        for (hsm, indices) in groups.sorted(by: { $0.key < $1.key }) {
            let extra = hsm == "premigrated" ? ["--premigrate"] : []
            let result = try await runner.runChunks(
                tool: Self.tool, options: flags + extra, paths: indices.map { paths[$0] }, subBatch: nil)
            for (index, outcome) in zip(indices, result.outcomes) { outcomes[index] = outcome }
            logs += result.logs
        }
        var status = TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started)
        status.add(envelope.paths, outcomes.map { $0 ?? ToolFileOutcome(state: .failures, message: "not run") })
        return TaskOutcome(status: status, logs: logs)
    }

    enum Classification: Sendable {
        case managed(String)
        case done(ToolFileOutcome)
    }

    static func classify(_ path: String) -> Classification {
        do {
            let info = try FileSystemCalls.lstatInfo(path)
            guard info.isRegular, let state = try LocationXattrs.state(of: path) else {
                return .done(ToolFileOutcome(state: .skipped, message: "not managed by Ngenea; no metadata to sync"))
            }
            return .managed(state)
        } catch {
            return .done(ToolFileOutcome(state: .failures, message: error.description))
        }
    }
}
