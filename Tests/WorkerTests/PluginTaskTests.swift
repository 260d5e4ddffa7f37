import Foundation
import Logging
import Shared
import Testing

@testable import Worker

/// A plugin task from envelope to outcome, its failure reasons, and its place in the task table.
@Suite struct PluginTaskTests {
    func task(_ script: String, name: String = "dynamo.custom.t", timeout: Int = 20, fixtures: PluginFixtures) throws -> PluginTask {
        let folder = try fixtures.plugin("p", tasks: [name: "#!/bin/sh\n" + script], timeout: timeout)
        let plugin = try PluginBundle.load(folder: folder, requireFolderName: true)
        return PluginTask(plugin: plugin, spec: plugin.manifest.tasks[0], logger: Logger(label: "test"))
    }

    func envelope(_ task: String = "dynamo.custom.t", queue: QueueName? = nil) throws -> TaskEnvelope {
        TaskEnvelope(
            taskID: "t-1", jobID: 42, task: task, queue: try queue ?? QueueName(parsing: "london.default#custom"), kwargs: ["who": .string("staff")],
            paths: [PathItem(path: "/mmfs1/a", size: 5), PathItem(path: "/mmfs1/b"), PathItem(path: "/mmfs1/c")])
    }

    /// The envelope arrives on stdin with site and parsed_queue; the NGENEA_* variables are set; reported
    /// files make the status, unreported ones are left out.
    @Test func runsAndBuildsTheOutcome() async throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let stdin = fixtures.root.path + "/stdin.json"
        let task = try task(
            """
            cat > \(stdin)
            echo "{\\"log\\": \\"$NGENEA_JOBID $NGENEA_TASK_ID $NGENEA_TASK_NAME $NGENEA_QUEUE $NGENEA_SITE\\"}"
            echo '{"add": {"state": "processed", "path": "/mmfs1/a", "size": 5}}'
            echo '{"add": {"state": "failures", "path": "/mmfs1/b", "message": ["nope"]}}'
            echo 'note' >&2
            """, fixtures: fixtures)
        let started = Date()
        let outcome = try await task.run(try envelope(), started: started)
        #expect(outcome.status.summary == ["processed": 1, "failures": 1])
        #expect(outcome.status.files(in: .failures) == [FileDetail(path: "/mmfs1/b", message: ["nope"])])
        #expect(outcome.status.inputTotal == 3)
        #expect(outcome.passedOn.map(\.path) == ["/mmfs1/a"])
        #expect(outcome.logs == ["42 t-1 dynamo.custom.t london.default#custom london", "p stderr: note"])

        let json = try #require(FileManager.default.contents(atPath: stdin))
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["site"] as? String == "london")
        #expect(object["parsed_queue"] as? [String: String] == ["site": "london", "queue": "default", "function": "custom"])
        #expect(object["jobid"] as? Int == 42)
        #expect(object["task_id"] as? String == "t-1")
        #expect(object["queue"] as? String == "london.default#custom")
        #expect((object["kwargs"] as? [String: String]) == ["who": "staff"])
        #expect((object["paths"] as? [[String: Any]])?.count == 3)
        // And it is still a valid envelope.
        let decoded = try WireCoding.decode(TaskEnvelope.self, from: Array(json))
        #expect(decoded.paths == (try envelope()).paths)
        #expect(decoded.version == 1)
    }

    @Test func onlyOnTheCustomFunction() async throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let task = try task("exit 0\n", fixtures: fixtures)
        let worker = try QueueName(parsing: "london.bulk#worker")
        let error = await #expect(throws: TaskFailure.self) { try await task.run(try envelope(queue: worker), started: Date()) }
        #expect(error?.description == "dynamo.custom.t is a plugin task and runs only on a queue's custom function (london.bulk#custom), not on london.bulk#worker")
    }

    @Test(arguments: [
        ("echo 'disk on fire' >&2\nexit 3\n", "plugin p (dynamo.custom.t) exited with status 3: disk on fire"),
        ("kill -9 $$\n", "plugin p (dynamo.custom.t) was killed by signal 9 (SIGKILL)"),
        ("echo '{\"log\": \"ok\"}'\necho 'Traceback (most recent call last):'\n",
         "plugin p (dynamo.custom.t) broke the output protocol (only JSON lines {\"add\": ...}, {\"log\": ...} or {\"subdag\": ...}) at stdout line 2: not JSON: \"Traceback (most recent call last):\""),
        ("echo garbage\necho oops >&2\nexit 1\n",
         "plugin p (dynamo.custom.t) exited with status 1; its output was also invalid at stdout line 1: not JSON: \"garbage\": oops"),
        ("sleep 1000\n", "plugin p (dynamo.custom.t) timed out after 1 s and was killed"),
    ])
    func failuresSayWhy(script: String, reason: String) async throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let task = try task(script, timeout: 1, fixtures: fixtures)
        let error = await #expect(throws: TaskFailure.self) { try await task.run(try envelope(), started: Date()) }
        #expect(error?.description == reason)
    }

    @Test func longStderrIsCutInTheReason() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let task = try task("exit 0\n", fixtures: fixtures)
        var result = PluginRunResult(termination: .exited(2))
        result.stderr = String(repeating: "a", count: 5000) + "THE END\n"
        let reason = try #require(task.failureReason(result))
        #expect(reason.hasPrefix("plugin p (dynamo.custom.t) exited with status 2: ..."))
        #expect(reason.hasSuffix("aaaTHE END"))
        #expect(reason.count < 2100)
        #expect(task.failureReason(PluginRunResult(termination: .exited(0))) == nil)
    }

    @Test func taskTableWithPlugins() async throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let disabled = TaskTable.builtIn()
        #expect(disabled.pluginTaskNames.isEmpty)
        let error = await #expect(throws: TaskFailure.self) {
            try await disabled.task(named: "dynamo.custom.x")?.run(try envelope("dynamo.custom.x"), started: Date())
        }
        #expect(error?.description == "cannot run dynamo.custom.x: plugins are disabled on this worker (enable_plugins = false)")
        #expect(disabled.task(named: "dynamo.tasks.nonesuch") == nil)

        let folder = try fixtures.plugin("p", tasks: ["dynamo.custom.a": "#!/bin/sh\n", "dynamo.custom.b": "#!/bin/sh\n"])
        let plugin = try PluginBundle.load(folder: folder, requireFolderName: true)
        let enabled = disabled.including(plugins: [plugin], logger: Logger(label: "test"))
        #expect(enabled.pluginTaskNames == ["dynamo.custom.a", "dynamo.custom.b"])
        #expect(enabled.task(named: "dynamo.custom.a") is PluginTask)
        #expect(enabled.task(named: NoopTask.name) is NoopTask)
        let missing = await #expect(throws: TaskFailure.self) {
            try await enabled.task(named: "dynamo.custom.x")?.run(try envelope("dynamo.custom.x"), started: Date())
        }
        #expect(missing?.description == "cannot run dynamo.custom.x: no installed plugin provides it on this worker")
    }
}
