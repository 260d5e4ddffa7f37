import Foundation
import HubCore
import Logging
import Postgres
import Shared

/// Runs a policy through the normal engine (issue 7): the policy is compiled against what its site
/// reported, `policy_scan` (mmapplypolicy in list mode) selects the files on a node of the site, and the
/// selected files are migrated by the usual migrate steps: a job with per-file progress, statistics and
/// cancel, which the original's policy runs lack. Files chosen for pre-migration (the third threshold)
/// go through a second run of the same job with the premigrate workflow.
struct PolicyRunner: Sendable {
    let engine: WorkflowEngine

    struct Started: Sendable {
        var job: Int64?
        /// The scan task's id (the API's `task_id`), nil when the policy moves nothing.
        var task: String?
        var compiled: CompiledPolicy
    }

    func run(_ policy: PolicyStore.Row, due: Date) async throws -> Started {
        let context = try await PolicyStore.context(site: policy.definition.site, pool: engine.pool)
        let compiled: CompiledPolicy
        do { compiled = try PolicyCompiler.compile(policy.definition, context: context) } catch {
            throw APIError(fields: error.fields)
        }
        guard !compiled.isEmpty else {
            engine.logger.info("policy \(policy.id) '\(policy.definition.name)': no destination pool, nothing to run (\(compiled.notes.joined(separator: "; ")))")
            return Started(job: nil, task: nil, compiled: compiled)
        }
        var options = compiled.scanKwargs
        options["actions"] = .array([.string("migrate")])
        let body: [String: JSONValue] = [
            "workflow": .string("migrate"), "site": .string(policy.siteName),
            "paths": .array(compiled.directories.map(JSONValue.string)), "discovery": .string("policy"),
            "discovery_options": .object(options),
        ]
        let job = try await engine.submit(
            body, owner: nil,
            origin: .policy(
                id: policy.id, name: policy.definition.name, due: due,
                friendlyName: "Policy '\(policy.definition.name)' on '\(policy.siteName)'"))
        if compiled.hops.contains(where: { $0.threshold?.premigrate != nil }) {
            var premigrate = body
            premigrate["workflow"] = .string("premigrate")
            options["actions"] = .array([.string("premigrate")])
            premigrate["discovery_options"] = .object(options)
            premigrate["job"] = .int(job)
            _ = try await engine.submit(premigrate, owner: nil, origin: .policyFollowUp(id: policy.id))
        }
        let task = try await engine.pool.query(
            "SELECT task_id FROM tasks WHERE job_id = $1 AND kind = 'discovery' ORDER BY id LIMIT 1", [.int64(job)]
        ).decodeColumn(String.self, "task_id").first
        return Started(job: job, task: task, compiled: compiled)
    }
}
