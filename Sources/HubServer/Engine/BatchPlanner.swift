import Foundation
import HubCore
import Shared

/// Turns items (discovered, or submitted without discovery) into the first step of each matching rule's
/// chain, cut into batches (spec/03 sections 5.2, 17.4): `all` rules are additive, `default` rules take
/// what nothing else matched, and each rule's items are batched separately.
struct BatchPlanner: Sendable {
    var run: JobRun
    var limits: BatchLimits

    struct BatchLimits: Sendable, Hashable {
        var files: Int
        var bytes: Int64
        /// `enable_auto_file_batch_sizing`: `files` grows with the job (DynamicBatching).
        var dynamic = false

        /// The manual's defaults: 40 files or 1 GB, whichever comes first (L11337-11345), dynamic (L11328).
        static let standard = BatchLimits(files: 40, bytes: 1 << 30, dynamic: true)

        /// The file count for a job that has `jobFiles` files so far.
        func files(forJobFiles jobFiles: Int) -> Int {
            dynamic ? DynamicBatching.fileBatchSize(base: files, jobFiles: jobFiles) : files
        }
    }

    /// The first-step tasks for `items`, and how many items matched at least one rule. `jobFiles` is how
    /// many files the job has counted before these (dynamic batching).
    func firstSteps(for items: [PathItem], parentID: Int64?, jobFiles: Int = 0) throws -> (tasks: [NewTask], matched: Int) {
        let matcher = RuleMatcher(rules: run.resolved.rules)
        var perRule = [[PathItem]](repeating: [], count: run.resolved.rules.count)
        var matched = 0
        for item in items {
            let rules = matcher.rules(for: item)
            if !rules.isEmpty { matched += 1 }
            for index in rules { perRule[index].append(item) }
        }
        var tasks: [NewTask] = []
        let files = limits.files(forJobFiles: jobFiles + matched)
        for (index, ruleItems) in perRule.enumerated() where !ruleItems.isEmpty {
            for batch in Batcher.batches(ruleItems, maxFiles: files, maxBytes: limits.bytes) {
                tasks.append(try step(rule: index, step: 0, input: batch, parentID: parentID))
            }
        }
        return (tasks, matched)
    }

    /// The task for step `step` of rule `rule` on `input`. A check that compares with another site
    /// starts with `stat_paths` there, unless `compared` (SyncComparison.swift).
    func step(
        rule: Int, step: Int, input: [PathItem], parentID: Int64?, state: TaskState = .pending, compared: Bool = false
    ) throws -> NewTask {
        if state == .pending, !compared, let site = comparisonSite(rule: rule, step: step) {
            return try statStep(rule: rule, step: step, site: site, input: input, parentID: parentID)
        }
        let resolved = run.resolved.rules[rule].steps[step]
        // Plugin tasks run on a queue's `custom` function, everything else on `worker` (manual L9310-9320).
        let function: QueueName.Function = resolved.task.hasPrefix("dynamo.custom.") ? .custom : .worker
        return NewTask(
            jobID: run.jobID, runID: run.id, name: resolved.task, kind: .step, ruleIndex: rule, stepIndex: step,
            parentID: parentID, queue: try QueueName(site: resolved.site, queue: resolved.queue, function: function),
            kwargs: resolved.kwargs, input: input, state: state)
    }

    /// Whether rule `rule` has a step after `step`.
    func hasStep(rule: Int, after step: Int) -> Bool {
        rule < run.resolved.rules.count && step + 1 < run.resolved.rules[rule].steps.count
    }
}

/// One workflow run inside a job, as the engine follows it.
struct JobRun: Sendable {
    var id: Int64
    var jobID: Int64
    var site: String
    var resolved: ResolvedWorkflow
}
