import Logging

extension TaskTable {
    /// What the daemon runs: the built-in tasks plus, with `enable_plugins`, the installed plugins' tasks,
    /// loaded once at start (the manual restarts the worker after installing, L9056). A broken plugin is
    /// logged and left out, and its tasks fail with a clear reason; the worker still starts.
    static func forWorker(_ configuration: WorkerConfiguration, logger: Logger) -> TaskTable {
        let tools = ToolSettings(commands: configuration.commands, extraArguments: configuration.extraArguments)
        guard configuration.enablePlugins else { return builtIn(tools: tools, siteSettings: SiteSettingsOptions(configuration)) }
        let loaded = PluginDirectory(path: configuration.pluginsDir).loadInstalled()
        for problem in loaded.problems { logger.error("plugin not loaded: \(problem)") }
        let names = loaded.plugins.map { "\($0.name) \($0.manifest.version)" }
        logger.info("plugins from \(configuration.pluginsDir): \(names.isEmpty ? "none installed" : names.joined(separator: ", "))")
        return builtIn(tools: tools, siteSettings: SiteSettingsOptions(configuration)).including(plugins: loaded.plugins, logger: logger)
    }
}

extension PluginDirectory {
    /// `check-config`'s lines about plugins: the tasks that would load and the plugins that would not.
    static func checkReport(_ configuration: WorkerConfiguration) -> [String] {
        guard configuration.enablePlugins else { return ["plugins: disabled"] }
        let loaded = PluginDirectory(path: configuration.pluginsDir).loadInstalled()
        let tasks = loaded.plugins.flatMap { $0.manifest.tasks.map(\.name) }
        return ["plugins (\(configuration.pluginsDir)): \(tasks.isEmpty ? "none installed" : tasks.joined(separator: ", "))"]
            + loaded.problems.map { "  not loaded: \($0)" }
    }
}
