import ArgumentParser
import Foundation
import Testing

@testable import Worker

/// `ngenea-worker plugins ...` refuses, exit 2, unless `enable_plugins = true` (manual L9025-9031).
@Suite struct PluginsCommandTests {
    func config(_ fixtures: PluginFixtures, enabled: Bool?) throws -> String {
        var text = "[settings]\nsite = london\napi_host = hub\nplugins_dir = \(fixtures.pluginsDir)\n"
        if let enabled { text += "enable_plugins = \(enabled)\n" }
        return try fixtures.write("worker.conf", text)
    }

    func run(_ arguments: [String]) async throws {
        var command = try WorkerCommand.parseAsRoot(arguments)
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    }

    @Test(arguments: [
        ["plugins", "list"], ["plugins", "install"], ["plugins", "install", "x"], ["plugins", "uninstall", "x", "-y"],
        ["plugins", "create", "x"],
    ])
    func refusedUnlessEnabled(arguments: [String]) async throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        for enabled in [nil, false] {
            let path = try config(fixtures, enabled: enabled)
            await #expect(throws: ExitCode(2)) { try await run(arguments + ["--config", path]) }
        }
        #expect(!FileManager.default.fileExists(atPath: fixtures.pluginsDir + "/x"), "create did nothing")
    }

    @Test func enabledCommandsWork() async throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let path = try config(fixtures, enabled: true)
        try await run(["plugins", "create", "echo_args", "--config", path])
        try await run(["plugins", "install", "--config", path])
        try await run(["plugins", "list", "--config", path])
        #expect(fixtures.directory.installed().map(\.name) == ["echo_args"])
        try await run(["plugins", "uninstall", "echo_args", "-y", "--config", path])
        #expect(fixtures.directory.installed().isEmpty)
        await #expect(throws: ExitCode(1)) { try await run(["plugins", "install", "ghost", "--config", path]) }
    }
}
