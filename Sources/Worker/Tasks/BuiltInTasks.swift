/// The built-in `dynamo.tasks.*` tasks by name (docs/tasks.md).
enum BuiltInTasks {
    static func all(tools: ToolSettings, siteSettings: SiteSettingsOptions = SiteSettingsOptions()) -> [String: any WorkerTask] {
        let runner = ToolRunner(settings: tools)
        var tasks: [String: any WorkerTask] = [:]
        tasks[NoopTask.name] = NoopTask()
        tasks["dynamo.tasks.migrate"] = ToolStepTask(tool: "ngmigrate", runner: runner, options: NgeneaOptions.migrate)
        tasks["dynamo.tasks.recall"] = ToolStepTask(tool: "ngrecall", runner: runner, options: NgeneaOptions.recall)
        tasks["dynamo.tasks.reverse_stub"] = ToolStepTask(tool: "ngrecall", runner: runner, options: NgeneaOptions.reverseStub)
        tasks["dynamo.tasks.unmanage"] = ToolStepTask(tool: "ngunmanage", runner: runner, options: NgeneaOptions.unmanage)
        tasks[SyncMetadataTask.name] = SyncMetadataTask(runner: runner)
        tasks[DeletePathsTask.name] = DeletePathsTask(runner: runner)
        tasks[MovePathsTask.name] = MovePathsTask()
        tasks[RemoveLocationXattrsTask.name] = RemoveLocationXattrsTask()
        tasks[CheckSyncStateTask.name] = CheckSyncStateTask()
        tasks[StatPathsTask.name] = StatPathsTask()
        tasks[RecursiveNavigateTask.name] = RecursiveNavigateTask()
        tasks[SnapdiffTask.name] = SnapdiffTask(runner: runner)
        tasks[RotateSnapshotTask.name] = RotateSnapshotTask(runner: runner)
        tasks[PolicyScanTask.name] = PolicyScanTask(runner: runner)
        tasks[SiteInventoryTask.name] = SiteInventoryTask(runner: runner)
        tasks[GetConfigForKeysTask.name] = GetConfigForKeysTask(options: siteSettings)
        tasks[SetConfigAndApplyTask.name] = SetConfigAndApplyTask(options: siteSettings, runner: runner)
        return tasks
    }
}
