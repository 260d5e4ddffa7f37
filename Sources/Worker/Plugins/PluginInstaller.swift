import Foundation

/// `plugins install` and `plugins uninstall`: copies plugins into `.installed/` and removes them.
extension PluginDirectory {
    /// What an install did.
    enum InstallOutcome: Equatable, Sendable {
        case installed(version: String)
        case updated(from: String, to: String)
        /// Same version already installed: nothing done (manual L9046).
        case unchanged(version: String)
        /// Same version copied again because of `--force`.
        case reinstalled(version: String)
    }

    /// The plugin an `install` argument names: a folder path (anything with a `/`, or `.`), or the name of
    /// an available plugin.
    /// - Throws: `PluginError` when there is no such plugin or its manifest is invalid.
    func source(for argument: String) throws(PluginError) -> PluginBundle {
        if argument.contains("/") || argument == "." || argument == ".." {
            let folder = URL(fileURLWithPath: argument).standardizedFileURL.path
            return try PluginBundle.load(folder: folder, requireFolderName: false)
        }
        do { try PluginManifest.validate(pluginName: argument) } catch {
            throw PluginError(path: path, field: nil, message: error.message)
        }
        let folder = path + "/" + argument
        guard FileManager.default.fileExists(atPath: folder) else {
            throw PluginError(
                path: path, field: nil,
                message: "no plugin '\(argument)' here (to install a folder from elsewhere, give its path, e.g. ./\(argument))")
        }
        return try PluginBundle.load(folder: folder, requireFolderName: true)
    }

    /// Copies `source` to `.installed/<name>/` unless the same version is installed (or `force`). The copy
    /// is made beside the target and renamed into place, so a failed install leaves the old one intact.
    /// - Throws: `PluginError` when a task name belongs to another installed plugin or the copy fails.
    @discardableResult
    func install(_ source: PluginBundle, force: Bool = false) throws(PluginError) -> InstallOutcome {
        let installed = installed()
        for entry in installed where entry.name != source.name {
            guard let other = entry.plugin else { continue }
            for (index, task) in source.manifest.tasks.enumerated()
            where other.manifest.tasks.contains(where: { $0.name == task.name }) {
                throw PluginError(
                    path: source.manifestPath, field: "tasks[\(index)].name",
                    message: "'\(task.name)' is already provided by installed plugin '\(other.name)'")
            }
        }
        let current = installed.first { $0.name == source.name }?.plugin
        if let current, current.manifest.version == source.manifest.version, !force {
            return .unchanged(version: current.manifest.version)
        }

        let files = FileManager.default
        let target = installedPath + "/" + source.name
        let staging = installedPath + "/.new-\(source.name)-\(UUID().uuidString)"
        func fail(_ what: String, _ error: any Error) -> PluginError {
            try? files.removeItem(atPath: staging)
            return PluginError(path: source.folder, field: nil, message: "\(what): \(error.localizedDescription)")
        }
        do {
            try files.createDirectory(atPath: installedPath, withIntermediateDirectories: true)
            try files.copyItem(atPath: source.folder, toPath: staging)
        } catch {
            throw fail("cannot copy to \(installedPath)", error)
        }
        // The copy is what runs: check it (programs still executable after the copy).
        do {
            _ = try PluginBundle.load(folder: staging, requireFolderName: false)
        } catch {
            try? files.removeItem(atPath: staging)
            throw PluginError(path: source.manifestPath, field: error.field, message: "after copying: \(error.message)")
        }
        do {
            if files.fileExists(atPath: target) {
                let old = installedPath + "/.old-\(source.name)-\(UUID().uuidString)"
                try files.moveItem(atPath: target, toPath: old)
                try files.moveItem(atPath: staging, toPath: target)
                try? files.removeItem(atPath: old)
            } else {
                try files.moveItem(atPath: staging, toPath: target)
            }
        } catch {
            throw fail("cannot move into \(target)", error)
        }
        guard let current else { return .installed(version: source.manifest.version) }
        if current.manifest.version == source.manifest.version { return .reinstalled(version: current.manifest.version) }
        return .updated(from: current.manifest.version, to: source.manifest.version)
    }

    /// The installed plugin an `uninstall` argument names: a name, or a folder path whose last component
    /// is the name (so `uninstall *` and `uninstall email_staff/` work); nil when it is not installed.
    /// - Throws: `PluginError` when the argument cannot be a plugin name.
    func installedPlugin(named argument: String) throws(PluginError) -> Entry? {
        var trimmed = Substring(argument)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let name = trimmed.split(separator: "/").last.map(String.init) ?? String(trimmed)
        do { try PluginManifest.validate(pluginName: name) } catch {
            throw PluginError(path: installedPath, field: nil, message: error.message)
        }
        return installed().first { $0.name == name }
    }

    /// Removes an installed plugin (the available one, if any, stays). Invalid installed plugins can be
    /// removed too.
    /// - Throws: `PluginError` when the folder cannot be removed.
    func uninstall(_ entry: Entry) throws(PluginError) {
        let target = installedPath + "/" + entry.name
        do {
            try FileManager.default.removeItem(atPath: target)
        } catch {
            throw PluginError(path: target, field: nil, message: "cannot remove: \(error.localizedDescription)")
        }
    }
}
