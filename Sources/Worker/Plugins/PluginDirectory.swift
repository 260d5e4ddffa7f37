import Foundation

/// A plugin folder with its validated manifest.
struct PluginBundle: Sendable, Equatable {
    var folder: String
    var manifest: PluginManifest

    var name: String { manifest.name }
    var manifestPath: String { folder + "/" + PluginManifest.fileName }

    /// The absolute path of the program that runs `task`.
    func executable(of task: PluginManifest.TaskSpec) -> String {
        PluginManifest.resolve(exec: task.exec, folder: folder)
    }

    /// Reads and validates `<folder>/plugin.json`. With `requireFolderName`, the manifest's name must be
    /// the folder's (true in the plugins directory, where the folder name is what `uninstall` takes).
    /// - Throws: `PluginError` naming the file and field.
    static func load(folder: String, requireFolderName: Bool) throws(PluginError) -> PluginBundle {
        let path = folder + "/" + PluginManifest.fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw PluginError(path: path, field: nil, message: exists ? "cannot read the file" : "no such file")
        }
        let manifest = try PluginManifest.parse(data, path: path, folder: folder)
        let folderName = URL(fileURLWithPath: folder).lastPathComponent
        if requireFolderName && manifest.name != folderName {
            throw PluginError(
                path: path, field: "name", message: "'\(manifest.name)' does not match its folder '\(folderName)'")
        }
        return PluginBundle(folder: folder, manifest: manifest)
    }
}

/// The plugins directory (`plugins_dir`, default `/var/lib/ngenea-worker/plugins`, manual L8891-8895).
///
/// Its folders are the *available* plugins: where `plugins create` scaffolds and administrators put them.
/// `plugins install` copies one to `.installed/<name>/`, and the worker runs only those copies: editing
/// an available plugin changes nothing until it is installed again with a new version (as the manual's pip
/// install only updates on a version change, L9046), and `uninstall *` run inside the directory (L9074)
/// never sees the hidden folder.
struct PluginDirectory: Sendable {
    /// One folder of the directory: its name and its plugin, or why it is unusable.
    struct Entry: Sendable {
        var name: String
        var bundle: Result<PluginBundle, PluginError>

        var plugin: PluginBundle? { try? bundle.get() }
    }

    let path: String

    init(path: String) {
        // No trailing slash, so the paths built from it (and printed) are clean.
        self.path = URL(fileURLWithPath: path).standardizedFileURL.path
    }

    static let defaultPath = "/var/lib/ngenea-worker/plugins"

    var installedPath: String { path + "/.installed" }

    /// The available plugins, by name.
    func available() -> [Entry] { entries(in: path) }

    /// The installed plugins, by name.
    func installed() -> [Entry] { entries(in: installedPath) }

    /// What the worker runs: every valid installed plugin, and why the others are left out. A task name
    /// already provided by another plugin (only possible if files were copied by hand) leaves the later
    /// plugin out, so one plugin can never shadow another's task.
    func loadInstalled() -> (plugins: [PluginBundle], problems: [PluginError]) {
        var plugins: [PluginBundle] = []
        var problems: [PluginError] = []
        var owners: [String: String] = [:]
        for entry in installed() {
            switch entry.bundle {
            case .failure(let error):
                problems.append(error)
            case .success(let plugin):
                if let (index, task) = plugin.manifest.tasks.enumerated().first(where: { owners[$0.element.name] != nil }) {
                    problems.append(
                        PluginError(
                            path: plugin.manifestPath, field: "tasks[\(index)].name",
                            message: "'\(task.name)' is also provided by plugin '\(owners[task.name] ?? "?")'; this plugin is not loaded"))
                    continue
                }
                for task in plugin.manifest.tasks { owners[task.name] = plugin.name }
                plugins.append(plugin)
            }
        }
        return (plugins, problems)
    }

    /// The folders of `directory` (hidden ones and plain files are not plugins), sorted by name.
    private func entries(in directory: String) -> [Entry] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.sorted().compactMap { name -> Entry? in
            guard !name.hasPrefix(".") else { return nil }
            let folder = directory + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                return nil
            }
            do throws(PluginError) {
                return Entry(name: name, bundle: .success(try PluginBundle.load(folder: folder, requireFolderName: true)))
            } catch {
                return Entry(name: name, bundle: .failure(error))
            }
        }
    }
}
