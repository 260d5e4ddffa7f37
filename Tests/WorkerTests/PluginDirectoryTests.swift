import Foundation
import Testing

@testable import Worker

/// `create`, `install` (version-gated), `uninstall` and what the worker loads.
@Suite struct PluginDirectoryTests {
    @Test func createInstallUpdateUninstall() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let directory = fixtures.directory
        let created = try directory.create(name: "echo_args")
        #expect(created.manifest.tasks.map(\.name) == ["dynamo.custom.echo_args"])
        #expect(FileManager.default.isExecutableFile(atPath: fixtures.pluginsDir + "/echo_args/bin/echo_args"))
        #expect(throws: PluginError.self) { try directory.create(name: "echo_args") }
        #expect(throws: PluginError.self) { try directory.create(name: ".hidden") }
        #expect(directory.available().map(\.name) == ["echo_args"])
        #expect(directory.installed().isEmpty)

        let source = try directory.source(for: "echo_args")
        #expect(try directory.install(source) == .installed(version: "0.1.0"))
        #expect(directory.installed().compactMap(\.plugin?.manifest.version) == ["0.1.0"])
        #expect(try directory.install(source) == .unchanged(version: "0.1.0"))
        #expect(try directory.install(source, force: true) == .reinstalled(version: "0.1.0"))

        // Editing the available copy changes nothing until its version changes.
        let manifest = fixtures.pluginsDir + "/echo_args/plugin.json"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        try text.replacingOccurrences(of: "What echo_args does.", with: "Edited.").write(toFile: manifest, atomically: true, encoding: .utf8)
        #expect(try directory.install(try directory.source(for: "echo_args")) == .unchanged(version: "0.1.0"))
        #expect(directory.installed().first?.plugin?.manifest.description == "What echo_args does.")
        try text.replacingOccurrences(of: "0.1.0", with: "0.2.0").write(toFile: manifest, atomically: true, encoding: .utf8)
        #expect(try directory.install(try directory.source(for: "echo_args")) == .updated(from: "0.1.0", to: "0.2.0"))
        let installed = try #require(directory.installed().first?.plugin)
        #expect(installed.folder == fixtures.pluginsDir + "/.installed/echo_args")
        #expect(installed.manifest.version == "0.2.0")
        // No staging leftovers.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.installedPath) == ["echo_args"])

        #expect(try directory.installedPlugin(named: "nope") == nil)
        #expect(throws: PluginError.self) { try directory.installedPlugin(named: "..") }
        let entry = try #require(try directory.installedPlugin(named: fixtures.pluginsDir + "/echo_args/"))
        try directory.uninstall(entry)
        #expect(directory.installed().isEmpty)
        #expect(directory.available().map(\.name) == ["echo_args"], "the available copy stays")
    }

    @Test func unknownNameAndFolderArguments() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let error = #expect(throws: PluginError.self) { try fixtures.directory.source(for: "ghost") }
        #expect(error?.description.contains("no plugin 'ghost' here") == true)
        let outside = try fixtures.plugin("outside", tasks: ["dynamo.custom.outside": "#!/bin/sh\n"], in: fixtures.root.path + "/src")
        let source = try fixtures.directory.source(for: outside)
        #expect(try fixtures.directory.install(source) == .installed(version: "1.0.0"))
        #expect(fixtures.directory.installed().map(\.name) == ["outside"])
    }

    /// A task name belongs to one plugin: installing another that provides it is refused, naming both.
    @Test func duplicateTaskAcrossPluginsIsRefused() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        try fixtures.plugin("first", tasks: ["dynamo.custom.shared": "#!/bin/sh\n"])
        try fixtures.plugin("second", tasks: ["dynamo.custom.own": "#!/bin/sh\n", "dynamo.custom.shared": "#!/bin/sh\n"])
        let directory = fixtures.directory
        try directory.install(try directory.source(for: "first"))
        let error = #expect(throws: PluginError.self) { try directory.install(try directory.source(for: "second")) }
        #expect(error?.description == "\(fixtures.pluginsDir)/second/plugin.json: tasks[1].name: 'dynamo.custom.shared' is already provided by installed plugin 'first'")
        #expect(directory.installed().map(\.name) == ["first"])
    }

    /// The worker loads valid installed plugins and reports the others (copied in by hand) without failing.
    @Test func loadInstalledLeavesBadPluginsOut() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let installed = fixtures.directory.installedPath
        try fixtures.plugin("aaa", tasks: ["dynamo.custom.shared": "#!/bin/sh\n"], in: installed)
        try fixtures.plugin("bbb", tasks: ["dynamo.custom.shared": "#!/bin/sh\n"], in: installed)
        try fixtures.plugin("ccc", tasks: ["dynamo.custom.ccc": "#!/bin/sh\n"], in: installed)
        try fixtures.write(installed + "/ddd/plugin.json", "{")
        let loaded = fixtures.directory.loadInstalled()
        #expect(loaded.plugins.map(\.name) == ["aaa", "ccc"])
        #expect(loaded.problems.map(\.description) == [
            "\(installed)/bbb/plugin.json: tasks[0].name: 'dynamo.custom.shared' is also provided by plugin 'aaa'; this plugin is not loaded",
            "\(installed)/ddd/plugin.json: not valid JSON",
        ])
    }

    /// The shipped samples (plugins/ in the repository) are valid plugins.
    @Test func shippedSamplesAreValid() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let samples = PluginDirectory(path: repository.appendingPathComponent("plugins").path).available()
        #expect(samples.map(\.name) == ["email_staff", "run_cloud_script"])
        for sample in samples {
            let plugin = try sample.bundle.get()
            #expect(plugin.manifest.tasks.map(\.name) == ["dynamo.custom.\(plugin.name)"])
        }
    }
}
