import Foundation
import RedisQueue
import Shared
import Testing

/// Worker plugins as external programs (docs/plugins.md), with the real `ngenea-worker` binary: the
/// `plugins` commands, plugin tasks end to end through Redis, and bad plugins failing only their own task.
@Suite struct PluginTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var worker: String { TestEnvironment.executable("ngenea-worker") }

    func writeConfig(in dir: URL, site: String, redisURL: String = "redis://127.0.0.1:1/0", enabled: Bool) throws -> String {
        let path = dir.appendingPathComponent("worker.conf").path
        try """
        [settings]
        site = \(site)
        api_host = 127.0.0.1
        broker_url = \(redisURL)
        node_name = it-\(site)
        heartbeat_interval = 1
        threads = 4
        enable_plugins = \(enabled)
        plugins_dir = \(dir.appendingPathComponent("plugins").path)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// create, install (version-gated), list, uninstall (confirmation), as processes.
    @Test func pluginsCommandLine() async throws {
        let dir = try TestEnvironment.temporaryDirectory("plugins-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try writeConfig(in: dir, site: "plugcli", enabled: true)
        func plugins(_ arguments: String...) async throws -> CommandOutput {
            try await runCommand(Self.worker, ["plugins"] + arguments + ["--config", config])
        }

        let created = try await plugins("create", "echo_args")
        #expect(created.status == 0, "\(created.output)")
        #expect(created.output.contains("created \(dir.path)/plugins/echo_args"))
        var list = try await plugins("list")
        #expect(list.status == 0)
        #expect(list.output.contains("Installed plugins (\(dir.path)/plugins/.installed):\n  none"), "\(list.output)")
        #expect(list.output.contains("echo_args 0.1.0: not installed"))

        let installed = try await plugins("install", "echo_args")
        #expect(installed.status == 0, "\(installed.output)")
        #expect(installed.output.contains("installed echo_args 0.1.0: dynamo.custom.echo_args"))
        #expect(installed.output.contains("systemctl restart ngenea-worker"))
        let again = try await plugins("install")
        #expect(again.output.contains("echo_args 0.1.0 is already installed"), "\(again.output)")

        let manifest = dir.appendingPathComponent("plugins/echo_args/plugin.json").path
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        try text.replacingOccurrences(of: "0.1.0", with: "0.2.0").write(toFile: manifest, atomically: true, encoding: .utf8)
        list = try await plugins("list")
        #expect(list.output.contains("echo_args 0.1.0: dynamo.custom.echo_args"), "\(list.output)")
        #expect(list.output.contains("echo_args 0.2.0: installed at 0.1.0"))
        let updated = try await plugins("install", "echo_args")
        #expect(updated.output.contains("updated echo_args 0.1.0 -> 0.2.0"), "\(updated.output)")

        // A sample from the repository, by folder path.
        let sample = try await plugins("install", Self.repository.appendingPathComponent("plugins/email_staff").path)
        #expect(sample.status == 0, "\(sample.output)")
        #expect(sample.output.contains("installed email_staff 1.0.0: dynamo.custom.email_staff"))

        // A broken manifest: refused, naming the file and field; exit 1.
        let broken = try writePlugin("broken", in: dir, task: "dynamo.tasks.sneaky", script: "#!/bin/sh\n")
        let refused = try await plugins("install", broken)
        #expect(refused.status == 1)
        #expect(refused.output.contains("\(broken)/plugin.json: tasks[0].name: 'dynamo.tasks.sneaky' must start with 'dynamo.custom.'"), "\(refused.output)")

        // No terminal and no -y: nothing is removed.
        let unconfirmed = try await plugins("uninstall", "echo_args")
        #expect(unconfirmed.status == 1)
        #expect(unconfirmed.output.contains("stdin is not a terminal (pass -y)"))
        let removed = try await plugins("uninstall", "echo_args", "email_staff", "ghost", "-y")
        #expect(removed.status == 0, "\(removed.output)")
        #expect(removed.output.contains("skipping ghost: not installed"))
        #expect(removed.output.contains("uninstalled echo_args 0.2.0"))
        #expect(removed.output.contains("uninstalled email_staff 1.0.0"))
        list = try await plugins("list")
        #expect(list.output.contains(".installed):\n  none"), "\(list.output)")

        let check = try await runCommand(Self.worker, ["check-config", "--config", config])
        #expect(check.output.contains("plugins (\(dir.path)/plugins): none installed"), "\(check.output)")
    }

    /// A good plugin's per-file outcomes and logs come back; a crashing, a garbage-printing and a hanging
    /// plugin each fail only their own task with a clear reason (the hanging one's children are killed),
    /// while good tasks in the same worker succeed; the shipped samples run; plugin tasks are advertised
    /// in the heartbeat and refused off the custom function.
    @Test func pluginTasksRunAndBadPluginsFailOnlyTheirTask() async throws {
        let redis = try await ScratchRedis.create(index: 12)
        let dir = try TestEnvironment.temporaryDirectory("plugins-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try writeConfig(in: dir, site: "plugsite", redisURL: redis.url, enabled: true)
        let sources = dir.appendingPathComponent("src")
        let pids = dir.appendingPathComponent("hang.pids").path
        let good = try writePlugin(
            "good", in: sources, task: "dynamo.custom.it_good",
            script: """
                #!/usr/bin/env python3
                import json, os, sys
                envelope = json.load(sys.stdin)
                assert os.environ["NGENEA_TASK_ID"] == envelope["task_id"], "environment does not match"
                print(json.dumps({"log": "function=%s site=%s label=%s" % (
                    envelope["parsed_queue"]["function"], os.environ["NGENEA_SITE"], envelope["kwargs"].get("label"))}))
                for index, item in enumerate(envelope["paths"]):
                    state = ["processed", "skipped", "failures"][index % 3]
                    add = {"state": state, "path": item["path"]}
                    if state == "failures":
                        add["message"] = ["no space left"]
                    print(json.dumps({"add": add}), flush=True)
                """)
        let crash = try writePlugin(
            "crash", in: sources, task: "dynamo.custom.it_crash",
            script: "#!/bin/sh\necho 'Traceback: disk on fire' >&2\nexit 3\n")
        let garbage = try writePlugin(
            "garbage", in: sources, task: "dynamo.custom.it_garbage",
            script: "#!/bin/sh\ncat > /dev/null\necho '{\"log\": \"fine so far\"}'\necho 'Hello, I am not JSON'\n")
        let hang = try writePlugin(
            "hang", in: sources, task: "dynamo.custom.it_hang", timeout: 2,
            script: """
                #!/bin/sh
                sleep 1000 & echo $! >> \(pids)
                sh -c 'sleep 1000' & echo $! >> \(pids)
                echo $$ >> \(pids)
                sleep 1000
                """)
        let samples = Self.repository.appendingPathComponent("plugins")
        let install = try await runCommand(
            Self.worker,
            ["plugins", "install", good, crash, garbage, hang, samples.appendingPathComponent("email_staff").path,
             samples.appendingPathComponent("run_cloud_script").path, "--config", config])
        #expect(install.status == 0, "\(install.output)")

        let mail = dir.appendingPathComponent("mail.txt").path
        let sendmail = dir.appendingPathComponent("fake-sendmail").path
        try "#!/bin/sh\necho \"$@\" > \(mail).args\ncat > \(mail)\n".write(toFile: sendmail, atomically: true, encoding: .utf8)
        let script = dir.appendingPathComponent("cloud script.sh").path
        try "#!/bin/sh\necho \"cloud script ran with: $*\"\n".write(toFile: script, atomically: true, encoding: .utf8)
        for path in [sendmail, script] {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }

        let worker = try ManagedProcess(
            name: "ngenea-worker", executable: Self.worker, arguments: ["run", "--config", config],
            environment: ["NGENEA_SENDMAIL": "\(sendmail) -t"], logDirectory: dir)
        let connection = RedisConnection(configuration: redis.configuration)
        let results = ReliableQueue.results(connection: connection, options: .init(group: "it-plugins"))
        try await results.ensureGroup()

        let custom = try QueueName(parsing: "plugsite.default#custom")
        let tasks = ReliableQueue(name: custom.description, connection: connection)
        let workerQueue = try QueueName(parsing: "plugsite.default#worker")
        func envelope(_ id: String, _ task: String, on queue: QueueName? = nil, kwargs: [String: JSONValue] = [:], paths: [String] = [])
            -> TaskEnvelope
        {
            TaskEnvelope(
                taskID: id, jobID: 7, task: task, queue: queue ?? custom, kwargs: kwargs, paths: paths.map { PathItem(path: $0) })
        }
        let files = (1...6).map { "/mmfs1/data/file\($0)" }
        let submitted = [
            envelope("hang", "dynamo.custom.it_hang", paths: files),
            envelope("crash", "dynamo.custom.it_crash", paths: files),
            envelope("garbage", "dynamo.custom.it_garbage", paths: files),
            envelope("good-1", "dynamo.custom.it_good", kwargs: ["label": .string("first")], paths: files),
            envelope(
                "email", "dynamo.custom.email_staff",
                kwargs: ["staff_members": .array([.string("johnsmith@organisation.com"), .string("admin@organisation.com")]),
                         "subject": .string("Project number 7 job complete")],
                paths: files),
            envelope(
                "cloud", "dynamo.custom.run_cloud_script",
                kwargs: ["script_location": .string(script), "use_paths": .bool(true), "additional_args": .array([.string("--fast")])],
                paths: Array(files.prefix(2))),
            envelope("missing", "dynamo.custom.it_nonesuch", paths: files),
            envelope("good-2", "dynamo.custom.it_good", kwargs: ["label": .string("second")], paths: Array(files.prefix(2))),
        ]
        for task in submitted { _ = try await tasks.enqueue(try WireCoding.encode(task)) }
        let misrouted = envelope("misrouted", "dynamo.custom.it_good", on: workerQueue, paths: files)
        _ = try await ReliableQueue(name: workerQueue.description, connection: connection).enqueue(try WireCoding.encode(misrouted))

        var finished: [String: TaskResult] = [:]
        var pluginTasks: [String] = []
        let deadline = ContinuousClock.now + .seconds(40)
        while finished.count < submitted.count + 1 && ContinuousClock.now < deadline {
            let claim = try await results.claim(consumer: "reader", count: 200, block: .milliseconds(300))
            for delivery in claim.deliveries {
                switch try WireCoding.decode(HubMessage.self, from: delivery.payload) {
                case .result(let result): finished[result.taskID] = result
                case .heartbeat(let beat): pluginTasks = beat.pluginTasks
                default: break
                }
            }
            _ = try await results.ack(claim.deliveries.map(\.id))
        }
        #expect(finished.count == submitted.count + 1, "results: \(finished.keys.sorted())\nworker log:\n\(worker.log)")
        #expect(pluginTasks == [
            "dynamo.custom.email_staff", "dynamo.custom.it_crash", "dynamo.custom.it_garbage", "dynamo.custom.it_good",
            "dynamo.custom.it_hang", "dynamo.custom.run_cloud_script",
        ])

        for (id, label, count) in [("good-1", "first", 6), ("good-2", "second", 2)] {
            let result = try #require(finished[id])
            #expect(result.error == nil, "\(id): \(result.error ?? "")")
            #expect(result.status.inputTotal == count)
            #expect(result.logs == ["function=custom site=plugsite label=\(label)"])
            #expect(result.status.summary["processed"] == (count + 2) / 3)
            #expect(result.status.summary["skipped"] == (count + 1) / 3)
            #expect(result.status.summary["failures"] == (count == 6 ? 2 : nil))
            #expect(result.status.files(in: .failures).first?.message == (count == 6 ? ["no space left"] : nil))
            #expect(Set((result.paths ?? result.status.passedOn(from: [])).map(\.path)) == Set(files.prefix(count).enumerated().filter { $0.offset % 3 != 2 }.map(\.element)))
        }

        #expect(finished["crash"]?.error == "plugin crash (dynamo.custom.it_crash) exited with status 3: Traceback: disk on fire")
        #expect(finished["garbage"]?.error == #"plugin garbage (dynamo.custom.it_garbage) broke the output protocol (only JSON lines {"add": ...}, {"log": ...} or {"subdag": ...}) at stdout line 2: not JSON: "Hello, I am not JSON""#)
        #expect(finished["hang"]?.error == "plugin hang (dynamo.custom.it_hang) timed out after 2 s and was killed")
        #expect(finished["missing"]?.error == "cannot run dynamo.custom.it_nonesuch: no installed plugin provides it on this worker")
        #expect(finished["misrouted"]?.error == "dynamo.custom.it_good is a plugin task and runs only on a queue's custom function (plugsite.default#custom), not on plugsite.default#worker")
        for id in ["crash", "garbage", "hang", "missing", "misrouted"] {
            #expect(finished[id]?.paths == [])
        }
        let hangPids = ((try? String(contentsOfFile: pids, encoding: .utf8)) ?? "").split(whereSeparator: \.isNewline).compactMap { Int32($0) }
        #expect(hangPids.count == 3)
        let allGone = try await eventually(timeout: .seconds(5)) { hangPids.allSatisfy(Self.isGone) }
        #expect(allGone, "the hanging plugin's processes survived: \(hangPids)")

        // The samples: email through the fake sendmail, the script with the paths.
        let email = try #require(finished["email"])
        #expect(email.error == nil, "\(email.error ?? "")")
        #expect((email.paths ?? email.status.passedOn(from: [])).isEmpty, "email_staff passes nothing on")
        #expect(email.logs == ["Notification email sent to johnsmith@organisation.com, admin@organisation.com"])
        let message = (try? String(contentsOfFile: mail, encoding: .utf8)) ?? ""
        #expect(message.contains("To: johnsmith@organisation.com, admin@organisation.com"), "\(message)")
        #expect(message.contains("Subject: Project number 7 job complete"))
        #expect(message.contains("From: ngenea-worker@pixitmedia.com"))
        #expect(message.contains("Job 7 has completed successfully processing 6 paths"))
        #expect((try? String(contentsOfFile: mail + ".args", encoding: .utf8)) == "-t\n")
        let cloud = try #require(finished["cloud"])
        #expect(cloud.error == nil, "\(cloud.error ?? "")")
        #expect(cloud.status.summary == ["processed": 2])
        #expect(cloud.logs == ["cloud script ran with: --fast /mmfs1/data/file1 /mmfs1/data/file2\n"])

        #expect(worker.isRunning, "the worker survived its bad plugins")
        let acked = try await eventually(timeout: .seconds(5)) { try await tasks.pendingCount() == 0 }
        #expect(acked)
        #expect(await worker.stop() == 0)
        await connection.close()
        try await redis.flush()
    }

    /// With `enable_plugins = false`: the commands refuse (exit 2), no plugin task is advertised, and a
    /// custom task fails saying plugins are disabled.
    @Test func pluginsDisabled() async throws {
        let redis = try await ScratchRedis.create(index: 13)
        let dir = try TestEnvironment.temporaryDirectory("plugins-off")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try writeConfig(in: dir, site: "plugoff", redisURL: redis.url, enabled: false)
        for arguments in [["list"], ["install"], ["uninstall", "x", "-y"], ["create", "x"]] {
            let refused = try await runCommand(Self.worker, ["plugins"] + arguments + ["--config", config])
            #expect(refused.status == 2, "\(arguments): \(refused.output)")
            #expect(refused.output.contains("plugins are disabled: set enable_plugins = true in [settings] of \(config)"))
        }

        let worker = try ManagedProcess(
            name: "ngenea-worker", executable: Self.worker, arguments: ["run", "--config", config], environment: [:],
            logDirectory: dir)
        let connection = RedisConnection(configuration: redis.configuration)
        let results = ReliableQueue.results(connection: connection, options: .init(group: "it-plugins-off"))
        try await results.ensureGroup()
        let queue = try QueueName(parsing: "plugoff.default#custom")
        let task = TaskEnvelope(taskID: "t", jobID: 1, task: "dynamo.custom.email_staff", queue: queue, paths: [])
        _ = try await ReliableQueue(name: queue.description, connection: connection).enqueue(try WireCoding.encode(task))
        var result: TaskResult?
        var heartbeat: Heartbeat?
        let deadline = ContinuousClock.now + .seconds(20)
        while (result == nil || heartbeat == nil) && ContinuousClock.now < deadline {
            let claim = try await results.claim(consumer: "reader", count: 100, block: .milliseconds(300))
            for delivery in claim.deliveries {
                switch try WireCoding.decode(HubMessage.self, from: delivery.payload) {
                case .result(let body): result = body
                case .heartbeat(let body): heartbeat = body
                default: break
                }
            }
            _ = try await results.ack(claim.deliveries.map(\.id))
        }
        #expect(result?.error == "cannot run dynamo.custom.email_staff: plugins are disabled on this worker (enable_plugins = false)", "\(worker.log)")
        #expect(heartbeat?.pluginTasks == [])
        #expect(await worker.stop() == 0)
        await connection.close()
        try await redis.flush()
    }

    /// Gone, or a zombie nobody has reaped yet (it no longer runs).
    static func isGone(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
}
