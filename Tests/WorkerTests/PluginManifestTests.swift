import Foundation
import Testing

@testable import Worker

@Suite struct PluginManifestTests {
    func parse(_ json: String, in fixtures: PluginFixtures) throws(PluginError) -> PluginManifest {
        try PluginManifest.parse(Data(json.utf8), path: "/p/plugin.json", folder: fixtures.root.path)
    }

    @Test func validManifestWithDefaults() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        try fixtures.write("bin/x", "#!/bin/sh\n", executable: true)
        let manifest = try parse(
            #"{"name": "echo_args", "version": "1.2.0", "description": "d", "tasks": [{"name": "dynamo.custom.echo_args", "exec": "bin/x"}, {"name": "dynamo.custom.other.v2", "exec": "\#(fixtures.root.path)/bin/x", "timeout": 5}]}"#,
            in: fixtures)
        #expect(manifest.name == "echo_args")
        #expect(manifest.version == "1.2.0")
        #expect(manifest.tasks.map(\.name) == ["dynamo.custom.echo_args", "dynamo.custom.other.v2"])
        #expect(manifest.tasks.map(\.timeout) == [600, 5])
        #expect(PluginManifest.resolve(exec: "bin/../bin/x", folder: fixtures.root.path) == fixtures.root.path + "/bin/x")
    }

    /// Every error names the file and the field, and says what is wrong.
    @Test(arguments: [
        ("not json", "/p/plugin.json: not valid JSON"),
        (#"["a"]"#, "/p/plugin.json: must be a JSON object"),
        (#"{"version": "1", "tasks": []}"#, "/p/plugin.json: name: required string is missing"),
        (#"{"name": "../etc", "version": "1", "tasks": []}"#, "/p/plugin.json: name: '../etc' may contain only letters"),
        (#"{"name": "p", "version": 1.0, "tasks": []}"#, "/p/plugin.json: version: must be a non-empty string"),
        (#"{"name": "p", "version": "1 beta", "tasks": []}"#, "/p/plugin.json: version: '1 beta' must be 1-64 characters"),
        (#"{"name": "p", "version": "1"}"#, "/p/plugin.json: tasks: required list of tasks is missing"),
        (#"{"name": "p", "version": "1", "tasks": []}"#, "/p/plugin.json: tasks: must name at least one task"),
        (#"{"name": "p", "version": "1", "tasks": [], "extra": 1}"#, "/p/plugin.json: extra: unknown key"),
        (#"{"name": "p", "version": "1", "tasks": ["x"]}"#, "/p/plugin.json: tasks[0]: must be an object"),
        (#"{"name": "p", "version": "1", "tasks": [{"name": "dynamo.tasks.migrate", "exec": "bin/x"}]}"#,
         "/p/plugin.json: tasks[0].name: 'dynamo.tasks.migrate' must start with 'dynamo.custom.'"),
        (#"{"name": "p", "version": "1", "tasks": [{"name": "dynamo.custom.", "exec": "bin/x"}]}"#,
         "/p/plugin.json: tasks[0].name: 'dynamo.custom.' must continue after"),
        (#"{"name": "p", "version": "1", "tasks": [{"name": "dynamo.custom.a", "exec": "bin/x"}, {"name": "dynamo.custom.a", "exec": "bin/x"}]}"#,
         "/p/plugin.json: tasks[1].name: 'dynamo.custom.a' is listed twice"),
        (#"{"name": "p", "version": "1", "tasks": [{"name": "dynamo.custom.a"}]}"#,
         "/p/plugin.json: tasks[0].exec: required string is missing"),
        (#"{"name": "p", "version": "1", "tasks": [{"name": "dynamo.custom.a", "exec": "bin/missing"}]}"#,
         "tasks[0].exec: ROOT/bin/missing does not exist"),
        (#"{"name": "p", "version": "1", "tasks": [{"name": "dynamo.custom.a", "exec": "bin/plain"}]}"#,
         "tasks[0].exec: ROOT/bin/plain is not executable"),
        (#"{"name": "p", "version": "1", "tasks": [{"name": "dynamo.custom.a", "exec": "bin"}]}"#,
         "tasks[0].exec: ROOT/bin is not a regular file"),
        (#"{"name": "p", "version": "1", "tasks": [{"name": "dynamo.custom.a", "exec": "bin/x", "timout": 5}]}"#,
         "/p/plugin.json: tasks[0].timout: unknown key (expected exec, name, timeout)"),
        (#"{"name": "p", "version": "1", "tasks": [{"name": "dynamo.custom.a", "exec": "bin/x", "timeout": 0}]}"#,
         "/p/plugin.json: tasks[0].timeout: must be a whole number of seconds in 1...86400"),
        (#"{"name": "p", "version": "1", "tasks": [{"name": "dynamo.custom.a", "exec": "bin/x", "timeout": "60"}]}"#,
         "/p/plugin.json: tasks[0].timeout: must be a whole number"),
    ])
    func invalidManifests(json: String, expected: String) throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        try fixtures.write("bin/x", "#!/bin/sh\n", executable: true)
        try fixtures.write("bin/plain", "#!/bin/sh\n")
        let error = #expect(throws: PluginError.self) { try parse(json, in: fixtures) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains(expected.replacingOccurrences(of: "ROOT", with: fixtures.root.path)), "got: \(text)")
    }

    /// In the plugins directory the folder name is the plugin's name (what `uninstall` takes).
    @Test func folderNameMustMatch() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let folder = try fixtures.plugin("alpha", tasks: ["dynamo.custom.alpha": "#!/bin/sh\n"])
        try FileManager.default.moveItem(atPath: folder, toPath: fixtures.pluginsDir + "/beta")
        let entry = try #require(fixtures.directory.available().first)
        #expect(entry.name == "beta")
        #expect(throws: PluginError(path: fixtures.pluginsDir + "/beta/plugin.json", field: "name",
                                    message: "'alpha' does not match its folder 'beta'")) { try entry.bundle.get() }
        // Installing the folder by path does not need the names to match.
        let source = try fixtures.directory.source(for: fixtures.pluginsDir + "/beta/")
        #expect(source.name == "alpha")
    }

    @Test func pluginsDirSetting() throws {
        let base = "[settings]\nsite = s\napi_host = h\n"
        let defaults = try WorkerConfiguration.parse(text: base, path: "/w.conf", environment: ["NGENEA_NODE_NAME": "n"])
        #expect(defaults.pluginsDir == "/var/lib/ngenea-worker/plugins")
        #expect(defaults.enablePlugins == false)
        let set = try WorkerConfiguration.parse(
            text: base + "enable_plugins = true\nplugins_dir = /srv/plugins\n", path: "/w.conf", environment: ["NGENEA_NODE_NAME": "n"])
        #expect(set.pluginsDir == "/srv/plugins")
        #expect(set.enablePlugins)
        #expect(throws: ConfigError(path: "/w.conf", line: 4, key: "plugins_dir", message: "'plugins' must be an absolute path")) {
            try WorkerConfiguration.parse(text: base + "plugins_dir = plugins\n", path: "/w.conf")
        }
    }
}
