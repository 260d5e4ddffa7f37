import ArgumentParser
import Foundation

extension WorkerCommand {
    /// `ngenea-worker plugins create|install|uninstall|list` (manual L8873-9093). Every subcommand refuses,
    /// exit 2, unless `enable_plugins = true` (L9025-9031).
    struct Plugins: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage worker plugins (needs enable_plugins = true).",
            subcommands: [List.self, Install.self, Uninstall.self, Create.self])
    }
}

/// The configuration option plus the `enable_plugins` gate.
struct PluginOptions: ParsableArguments {
    @OptionGroup var config: ConfigOption

    /// The plugins directory of an enabled configuration.
    /// - Throws: `ExitCode(2)` (after saying why) when the configuration is bad or plugins are disabled.
    func directory() throws -> PluginDirectory {
        let configuration = try config.load()
        guard configuration.enablePlugins else {
            PluginsOutput.error(
                "plugins are disabled: set enable_plugins = true in [settings] of \(configuration.path) "
                    + "(then restart the worker)")
            throw ExitCode(2)
        }
        return PluginDirectory(path: configuration.pluginsDir)
    }
}

enum PluginsOutput {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("ngenea-worker: \(message)\n".utf8))
    }

    static let restartHint = "restart the worker to load the change: systemctl restart ngenea-worker"
}

extension WorkerCommand.Plugins {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List installed plugins, and all plugins in the plugins directory, with versions.")
        @OptionGroup var options: PluginOptions

        func run() async throws {
            let directory = try options.directory()
            let installed = directory.installed()
            print("Installed plugins (\(directory.installedPath)):")
            if installed.isEmpty { print("  none") }
            for entry in installed {
                switch entry.bundle {
                case .success(let plugin):
                    print("  \(plugin.name) \(plugin.manifest.version): \(plugin.manifest.tasks.map(\.name).joined(separator: ", "))")
                case .failure(let error):
                    print("  \(entry.name): invalid, not loaded: \(error)")
                }
            }
            let versions = Dictionary(installed.compactMap { $0.plugin.map { ($0.name, $0.manifest.version) } }) { a, _ in a }
            let available = directory.available()
            print("Available plugins (\(directory.path)):")
            if available.isEmpty { print("  none") }
            for entry in available {
                switch entry.bundle {
                case .success(let plugin):
                    let version = plugin.manifest.version
                    let state: String
                    switch versions[plugin.name] {
                    case nil: state = "not installed"
                    case version?: state = "installed"
                    case let other?: state = "installed at \(other); 'plugins install \(plugin.name)' updates it"
                    }
                    print("  \(plugin.name) \(version): \(state)")
                case .failure(let error):
                    print("  \(entry.name): invalid: \(error)")
                }
            }
        }
    }

    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install plugins: all in the plugins directory, or those named (a name there, or a folder path).",
            discussion: "A plugin is copied again only when its version changed, unless --force. Restart the worker afterwards.")
        @OptionGroup var options: PluginOptions
        @Argument(help: "Plugin names in the plugins directory, or plugin folder paths (default: all).")
        var plugins: [String] = []
        @Flag(help: "Copy again even when the same version is installed.")
        var force = false

        func run() async throws {
            let directory = try options.directory()
            var sources: [Result<PluginBundle, PluginError>] = []
            if plugins.isEmpty {
                sources = directory.available().map(\.bundle)
                if sources.isEmpty { print("no plugins in \(directory.path)") }
            } else {
                for argument in plugins {
                    do { sources.append(.success(try directory.source(for: argument))) } catch {
                        sources.append(.failure(error))
                    }
                }
            }
            var failed = false
            var changed = false
            for source in sources {
                do {
                    let plugin = try source.get()
                    let tasks = plugin.manifest.tasks.map(\.name).joined(separator: ", ")
                    switch try directory.install(plugin, force: force) {
                    case .installed(let version):
                        print("installed \(plugin.name) \(version): \(tasks)")
                        changed = true
                    case .updated(let old, let new):
                        print("updated \(plugin.name) \(old) -> \(new): \(tasks)")
                        changed = true
                    case .reinstalled(let version):
                        print("reinstalled \(plugin.name) \(version): \(tasks)")
                        changed = true
                    case .unchanged(let version):
                        print("\(plugin.name) \(version) is already installed (change its version to update it, or use --force)")
                    }
                } catch {
                    PluginsOutput.error("\(error)")
                    failed = true
                }
            }
            if changed { print(PluginsOutput.restartHint) }
            if failed { throw ExitCode(1) }
        }
    }

    struct Uninstall: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Uninstall plugins by name (the available copies in the plugins directory stay).",
            discussion: "In the plugins directory, 'ngenea-worker plugins uninstall * -y' uninstalls them all.")
        @OptionGroup var options: PluginOptions
        @Argument(help: "Plugin names (or plugin folder paths).")
        var names: [String]
        @Flag(name: [.customShort("y"), .long], help: "Do not ask for confirmation.")
        var yes = false

        func run() async throws {
            let directory = try options.directory()
            var failed = false
            var changed = false
            var entries: [PluginDirectory.Entry] = []
            for name in names {
                do {
                    if let entry = try directory.installedPlugin(named: name) {
                        if !entries.contains(where: { $0.name == entry.name }) { entries.append(entry) }
                    } else {
                        print("skipping \(name): not installed")
                    }
                } catch {
                    PluginsOutput.error("\(error)")
                    failed = true
                }
            }
            if !entries.isEmpty && !yes && isatty(STDIN_FILENO) == 0 {
                PluginsOutput.error("not uninstalling without confirmation: stdin is not a terminal (pass -y)")
                throw ExitCode(1)
            }
            for entry in entries {
                let label = entry.plugin.map { "\($0.name) \($0.manifest.version)" } ?? entry.name
                if !yes {
                    print("Uninstall \(label)? [y/N] ", terminator: "")
                    guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                        print("kept \(label)")
                        continue
                    }
                }
                do {
                    try directory.uninstall(entry)
                    print("uninstalled \(label)")
                    changed = true
                } catch {
                    PluginsOutput.error("\(error)")
                    failed = true
                }
            }
            if changed { print(PluginsOutput.restartHint) }
            if failed { throw ExitCode(1) }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a plugin from the template in the plugins directory.")
        @OptionGroup var options: PluginOptions
        @Argument(help: "The plugin's name (letters, digits, '_' and '-'); its task is dynamo.custom.<name>.")
        var name: String

        func run() async throws {
            let directory = try options.directory()
            do {
                let plugin = try directory.create(name: name)
                let program = plugin.manifest.tasks.map { plugin.executable(of: $0) }.joined(separator: ", ")
                print("created \(plugin.folder): \(PluginManifest.fileName) and \(program)")
                print("edit them, then: ngenea-worker plugins install \(plugin.name)")
            } catch {
                PluginsOutput.error("\(error)")
                throw ExitCode(1)
            }
        }
    }
}
