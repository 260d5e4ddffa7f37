import Shared

/// The task names a workflow may use, so a typo in a definition is refused when it is created
/// rather than when a job's first batch reaches a worker that does not know the task.
public enum KnownTasks {
    /// Discovery name -> the discovery task that runs it (L10711-10713, L12192-12208).
    /// `bidirectional_snapdiff` runs the same snapdiff task on each site in turn (L10819).
    public static let discoveryTasks: [String: String] = [
        "recursive": "dynamo.tasks.recursive_navigate",
        "snapdiff": "dynamo.tasks.snapdiff",
        "bidirectional_snapdiff": "dynamo.tasks.snapdiff",
        // A policy run: mmapplypolicy selects the files (issue 7; docs/policies.md). Hub-only.
        policyDiscovery: "dynamo.tasks.policy_scan",
    ]

    /// The discovery of policy runs, which only the hub may submit (`SubmissionContext.fromPolicy`).
    public static let policyDiscovery = "policy"

    /// Workflow step tasks of the task reference (L12224-12434) and the other worker tasks named
    /// alongside them (L11258, L12314, L12444-12564), plus `dynamo.tasks.noop`: ours, a step that
    /// marks every file processed without touching it, for benchmarks of the engine itself.
    public static let stepTasks: Set<String> = [
        "dynamo.tasks.migrate",
        "dynamo.tasks.recall",
        "dynamo.tasks.reverse_stub",
        "dynamo.tasks.unmanage",
        "dynamo.tasks.ngenea_sync_metadata",
        "dynamo.tasks.delete_paths_from_gpfs",
        "dynamo.tasks.check_sync_state",
        "dynamo.tasks.move_paths_on_gpfs",
        "dynamo.tasks.one_step_move_paths_on_gpfs",
        "dynamo.tasks.remove_location_xattrs_for_moved",
        "dynamo.tasks.move_in_cloud",
        "dynamo.tasks.remove_from_cloud",
        "dynamo.tasks.ensure_cloud_file_exists",
        "dynamo.tasks.import_files_from_external_target",
        "dynamo.tasks.copy_files_from_external_target",
        "dynamo.tasks.import_bytes",
        "dynamo.tasks.recall_bytes",
        "dynamo.tasks.get_alerts",
        "dynamo.tasks.check_space_quotas",
        "dynamo.tasks.get_config_for_keys",
        "dynamo.tasks.set_config_and_apply",
        "dynamo.tasks.get_servers",
        "dynamo.tasks.stat_paths",
        "dynamo.tasks.rotate_snapshot",
        "dynamo.tasks.noop",
    ]

    /// Plugin tasks are named `dynamo.custom.<name>` (L9540-9573); which plugins a site has is only
    /// known from worker heartbeats, so any such name is accepted here.
    public static let pluginPrefix = "dynamo.custom."

    /// Step tasks whose input paths are remote object paths (`projects/`), not local absolute paths
    /// (L12372, L12388, L12403).
    public static let remoteObjectPathTasks: Set<String> = [
        "dynamo.tasks.import_files_from_external_target",
        "dynamo.tasks.copy_files_from_external_target",
        "dynamo.tasks.import_bytes",
    ]

    public static func isKnownStep(_ name: String) -> Bool {
        stepTasks.contains(name) || isPlugin(name)
    }

    /// Whether `name` is a plugin task (routed to the `custom` worker function, L9926-9964).
    public static func isPlugin(_ name: String) -> Bool {
        name.hasPrefix(pluginPrefix) && name.count > pluginPrefix.count
    }
}
