import Foundation
import Glibc
import Shared
import Testing

@testable import Worker

/// get_config_for_keys and set_config_and_apply on a private settings file, with shell scripts written by
/// the tests as apply commands (run as argv by the worker).
@Suite struct SiteSettingsTaskTests {
    /// A throwaway directory holding the settings file and the apply scripts.
    struct Fixture {
        let root: String
        var file: String { root + "/etc/site-settings.json" }

        init() throws {
            root = NSTemporaryDirectory() + "site-settings-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }

        /// An executable `/bin/sh` script.
        func script(_ name: String, _ body: String) throws -> String {
            let path = root + "/" + name
            try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            return path
        }

        func options(apply: [String]? = nil) -> SiteSettingsOptions {
            SiteSettingsOptions(file: file, applyCommand: apply, nodeName: "node-1")
        }

        func set(_ kwargs: [String: JSONValue], apply: [String]? = nil) async throws -> (JSONValue, [String]) {
            var logs: [String] = []
            let task = SetConfigAndApplyTask(options: options(apply: apply), runner: ToolRunner(settings: ToolSettings()))
            let output = try await task.output(TaskArguments(kwargs), logs: &logs)
            return (output, logs)
        }

        func get(_ kwargs: [String: JSONValue] = [:]) async throws -> JSONValue {
            try await GetConfigForKeysTask(options: options()).output(TaskArguments(kwargs))
        }

        func fileText() throws -> String { try String(contentsOfFile: file, encoding: .utf8) }
    }

    static func entry(_ value: JSONValue, set: Bool = true, key: String, secret: Bool = false) -> JSONValue {
        ["value": value, "is_set": .bool(set), "schema_key": .string(key), "is_secret": .bool(secret)]
    }

    @Test func setThenGet() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let values: [String: JSONValue] = [
            "ntp:servers": ["0.pool.ntp.org", "1.pool.ntp.org"], "apbackup:schedule": "*-*-* 01:00:00",
            "ngeneahsm_targets:mmfs1-test2:Port": 443, "ngeneahsm_targets:mmfs1-test2:SSLVerify": true,
        ]
        let (output, logs) = try await fixture.set(["values": .object(values), "timeout": 0, "multi_update": false])
        #expect(output["status"] == "succeeded")
        #expect(output["apply_output"] == ["node-1": "succeeded"])
        #expect(output["value"]?["ntp:servers"] == Self.entry(values["ntp:servers"] ?? .null, key: "ntp:servers"))
        #expect(output["value"]?.objectValue?.count == 4)
        #expect(logs.first?.contains("stored 4 settings") == true)

        let all = try await fixture.get()
        for (key, value) in values { #expect(all["value"]?[key] == Self.entry(value, key: key)) }
        let some = try await fixture.get(["keys": ["apbackup:schedule", "email:nobody"]])
        #expect(some["value"] == [
            "apbackup:schedule": Self.entry("*-*-* 01:00:00", key: "apbackup:schedule"),
            "email:nobody": Self.entry(.null, set: false, key: "email:nobody"),
        ])
        // The same through the task table, as the worker runs it.
        let table = TaskTable.builtIn()
        #expect(table.task(named: GetConfigForKeysTask.name) != nil)
        #expect(table.task(named: SetConfigAndApplyTask.name) != nil)
    }

    @Test func nullDeletesAKey() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        _ = try await fixture.set(["values": ["a:one": 1, "a:two": "2"]])
        let (output, logs) = try await fixture.set(["values": ["a:one": .null]])
        #expect(output["value"] == ["a:one": Self.entry(.null, set: false, key: "a:one")])
        #expect(logs.first?.contains("deleted a:one") == true)
        let all = try await fixture.get()
        #expect(all["value"] == ["a:two": Self.entry("2", key: "a:two")])
    }

    /// Secrets are masked in every output and never logged; the store remembers them as secrets, and the
    /// file holding them is private.
    @Test func secretsAreMaskedAndTheFileIsPrivate() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let key = "ngeneahsm_targets:mmfs1-test2:SecretAccessKey"
        let (output, logs) = try await fixture.set([
            "values": [key: "hunter2-very-secret", "ngeneahsm_targets:mmfs1-test2:Bucket": "test2"],
            "encrypted": [.string(key)],
        ])
        #expect(output["value"]?[key] == Self.entry("*****", key: key, secret: true))
        #expect(output["value"]?["ngeneahsm_targets:mmfs1-test2:Bucket"]?["value"] == "test2")
        #expect(!logs.joined().contains("hunter2"))
        #expect(try await fixture.get()["value"]?[key] == Self.entry("*****", key: key, secret: true))
        #expect(try fixture.fileText().contains("hunter2-very-secret"))

        var info = stat()
        #expect(stat(fixture.file, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        // Rewriting keeps it secret and private.
        _ = try await fixture.set(["values": ["other:key": 1]])
        #expect(try await fixture.get(["keys": [.string(key)]])["value"]?[key]?["value"] == "*****")
        #expect(stat(fixture.file, &info) == 0 && info.st_mode & 0o777 == 0o600)
    }

    /// The apply command runs as argv (no shell: arguments reach it verbatim) with the store's path.
    @Test func applyCommandSucceeds() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let record = fixture.root + "/args"
        let script = try fixture.script(
            "apply.sh", "for a in \"$@\"; do echo \"$a\"; done > '\(record)'\necho \"$NGENEA_SITE_SETTINGS_FILE\" >> '\(record)'")
        let (output, _) = try await fixture.set(["values": ["ntp:servers": ["x"]]], apply: [script, "a b", "$HOME", ";true"])
        #expect(output["status"] == "succeeded")
        #expect(output["apply_output"] == ["node-1": "succeeded"])
        #expect(try String(contentsOfFile: record, encoding: .utf8) == "a b\n$HOME\n;true\n\(fixture.file)\n")
    }

    @Test func applyCommandFailureIsReportedWithStderr() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let script = try fixture.script("fail.sh", "echo 'cannot apply token s3cr3t-value' >&2\nexit 3")
        let (output, logs) = try await fixture.set(
            ["values": ["auth:token": "s3cr3t-value"], "encrypted": ["auth:token"]], apply: [script])
        #expect(output["status"] == "failed")
        let text = try #require(output["apply_output"]?["node-1"]?.stringValue)
        #expect(text.contains("exited with status 3"))
        #expect(text.contains("cannot apply token *****"))
        #expect(!logs.joined().contains("s3cr3t"))
        // The settings are stored all the same.
        #expect(try await fixture.get()["value"]?["auth:token"]?["is_set"] == true)
    }

    /// A corrupt file fails both tasks and is never overwritten; bad kwargs fail before anything is written.
    @Test func corruptFileAndBadArgumentsFailTheTask() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try FileManager.default.createDirectory(atPath: fixture.root + "/etc", withIntermediateDirectories: true)
        let corrupt = "{\"a:b\": 1, oops"
        try corrupt.write(toFile: fixture.file, atomically: true, encoding: .utf8)
        await #expect(throws: TaskFailure.self) { try await fixture.set(["values": ["a:b": 2]]) }
        await #expect(throws: TaskFailure.self) { try await fixture.get() }
        do {
            _ = try await fixture.get()
        } catch {
            #expect("\(error)".contains("is corrupt") && !"\(error)".contains("oops"))
        }
        #expect(try fixture.fileText() == corrupt)

        try FileManager.default.removeItem(atPath: fixture.file)
        await #expect(throws: TaskFailure.self) { try await fixture.set(["values": "a:b=1"]) }
        await #expect(throws: TaskFailure.self) { try await fixture.set(["values": ["nocolon": 1]]) }
        await #expect(throws: TaskFailure.self) { try await fixture.set(["values": ["a:b": 1], "timeout": -1]) }
        #expect(!FileManager.default.fileExists(atPath: fixture.file))
        #expect(try await fixture.get()["value"] == [:])
    }
}

/// The apply command's timeout, in the timed phase of `make test` (scripts/test.sh): its bound is wall-clock
/// time, which says nothing while hundreds of parallel tests hold this process's threads.
@Suite struct SiteSettingsTimeoutTests {
    @Test func applyCommandTimeoutKillsIt() async throws {
        let fixture = try SiteSettingsTaskTests.Fixture()
        defer { fixture.remove() }
        let pidFile = fixture.root + "/pid"
        let script = try fixture.script("hang.sh", "echo $$ > '\(pidFile)'\nsleep 60")
        let clock = ContinuousClock()
        let start = clock.now
        let (output, _) = try await fixture.set(["values": ["a:b": 1], "timeout": 1], apply: [script])
        #expect(clock.now - start < .seconds(30))
        #expect(output["status"] == "failed")
        #expect(output["apply_output"]?["node-1"]?.stringValue?.contains("timed out after 1 s and was killed") == true)
        let pid = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }
}
