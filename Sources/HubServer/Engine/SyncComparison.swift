import Foundation
import HubCore
import Shared

/// `check_sync_state` compares this site's files with another site's (L12312-12320: "will also perform
/// `dynamo.tasks.stat_paths` on the provided site before execution"). Workers do not talk to each other,
/// so the hub runs the comparison as two tasks in the place of the one step: `stat_paths` on the other
/// site (same rule and step index), then, when it returns, `check_sync_state` here with the other site's
/// answers in its `remote_stats` kwarg, keyed by this site's paths.
extension BatchPlanner {
    static let checkTask = "dynamo.tasks.check_sync_state"
    static let statTask = "dynamo.tasks.stat_paths"

    /// The site a check step compares with, when it needs that site's file states: `sync_preference`
    /// `newest` or `ignore` (the task's default) and a `target_site` other than the step's own.
    func comparisonSite(rule: Int, step: Int) -> String? {
        let resolved = run.resolved.rules[rule].steps[step]
        guard resolved.task == Self.checkTask, case .string(let target)? = resolved.kwargs["target_site"],
            target != resolved.site
        else { return nil }
        let preference = resolved.kwargs["sync_preference"]?.stringValue ?? "ignore"
        return preference == "local" ? nil : target
    }

    /// The `stat_paths` task standing first in the place of check step `step` of rule `rule`. It runs on
    /// the target site's `default` queue: the step's queue was chosen for its own site, and a quick stat
    /// needs no special one.
    func statStep(rule: Int, step: Int, site: String, input: [PathItem], parentID: Int64?) throws -> NewTask {
        NewTask(
            jobID: run.jobID, runID: run.id, name: Self.statTask, kind: .step, ruleIndex: rule, stepIndex: step,
            parentID: parentID, queue: try QueueName(site: site, queue: "default", function: .worker), kwargs: [:],
            input: input)
    }

    /// Whether a finished task named `name` at (`rule`, `step`) is the stat half of a comparison.
    func isComparisonStat(_ name: String, rule: Int, step: Int) -> Bool {
        name == Self.statTask && rule < run.resolved.rules.count && step < run.resolved.rules[rule].steps.count
            && run.resolved.rules[rule].steps[step].task == Self.checkTask
    }

    /// The check half: `local` (this site's paths, in the stat task's input order) with the other site's
    /// `stats` (the stat task's output, same order); nil when the output does not answer for every path.
    func checkAfterStat(rule: Int, step: Int, local: [PathItem], stats: JSONValue?, parentID: Int64) throws -> NewTask? {
        guard case .object(let output)? = stats, case .array(let list)? = output["stats"], list.count == local.count else {
            return nil
        }
        var answers: [String: JSONValue] = [:]
        for (item, stat) in zip(local, list) { answers[item.path] = stat }
        var check = try self.step(rule: rule, step: step, input: local, parentID: parentID, compared: true)
        check.kwargs["remote_stats"] = .object(answers)
        return check
    }
}
