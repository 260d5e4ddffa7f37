import Foundation
import Testing

/// Sub-DAGs submitted by a running task (manual L9709-9785), end to end: a plugin task prints a graph, the
/// hub runs its nodes in the parent job on the sites they name, in dependency order, with the sandbox
/// tools moving real bytes.
@Suite(.serialized) struct SubDAGTests {
    static let redisIndex = 22

    /// The plugin: marks its paths processed and submits the graph its `mode` kwarg names.
    static let script = """
        #!/usr/bin/env python3
        import json, sys
        envelope = json.load(sys.stdin)
        paths = [item["path"] for item in envelope["paths"]]
        for path in paths:
            print(json.dumps({"add": {"state": "processed", "path": path}}))
        mode = envelope["kwargs"]["mode"]
        if mode == "graph":
            nodes = [
                {"id": "a", "task": "dynamo.tasks.migrate", "kwargs": {"premigrate": True}},
                {"id": "b", "name": "dynamo.tasks.reverse_stub", "kwargs": {"hydrate": True}, "site": "south", "parents": ["a"]},
                {"id": "c", "task": "dynamo.tasks.noop", "parents": ["a"]},
                {"id": "d", "task": "dynamo.tasks.noop", "parents": ["b", "c"]},
            ]
        elif mode == "failing":
            nodes = [
                {"id": "e", "task": "dynamo.tasks.migrate", "kwargs": {"lock_level": "sideways"}},
                {"id": "f", "task": "dynamo.tasks.noop", "parents": ["e"]},
            ]
        else:
            nodes = [{"id": "x", "task": "dynamo.tasks.noop", "site": "nowhere"}]
        print(json.dumps({"subdag": {"paths": paths, "nodes": nodes}}))
        """

    struct TaskRow {
        var id: Int
        var type: String
        var state: String
        var site: String
        var dynamicParents: [Int]
    }

    func tasks(ofJob id: Int, _ harness: EngineHarness) async throws -> [TaskRow] {
        let list = try await harness.admin.get("/api/tasks/?job_id=\(id)&page_size=0").object["results"] as? [[String: Any]] ?? []
        return list.map {
            TaskRow(
                id: $0["id"] as? Int ?? 0, type: $0["tasktype"] as? String ?? "", state: $0["state"] as? String ?? "",
                site: $0["site"] as? String ?? "", dynamicParents: $0["dynamic_parents"] as? [Int] ?? [])
        }
    }

    @Test func pluginSubmittedGraphRunsInTheParentJob() async throws {
        try await EngineHarness.with(redisIndex: Self.redisIndex, sites: ["north", "south"]) { harness in
            let north = try harness.site("north")
            let south = try harness.site("south")
            // Plugins on north's worker: the graph's submitter.
            await north.stopWorker()
            let source = try writePlugin("subdag", in: harness.root.appendingPathComponent("plugins-src"), task: "dynamo.custom.it_subdag", script: Self.script)
            let pluginsDir = harness.root.appendingPathComponent("plugins").path
            let config = try String(contentsOfFile: north.config, encoding: .utf8)
            try (config + "\nenable_plugins = true\nplugins_dir = \(pluginsDir)\n").write(toFile: north.config, atomically: true, encoding: .utf8)
            let install = try await runCommand(TestEnvironment.executable("ngenea-worker"), ["plugins", "install", source, "--config", north.config])
            #expect(install.status == 0, "\(install.output)")
            try north.startWorker(logs: harness.hub.logs)
            try await harness.admin.waitForSite("north")

            let created = try await harness.admin.post("/api/workflows/", [
                "name": "fan_out", "label": "Fan out",
                "filter_rules": [["type": "file", "state": "all", "action": [["name": "dynamo.custom.it_subdag", "mode": "*mode"]]]],
                "discovery": "recursive", "fields": [["name": "mode", "label": "Mode", "type": "string"]],
            ])
            #expect(created.status == 201, "\(created.text)")
            let files = try north.writeFiles("fan", count: 3)

            // A diamond across two sites: a (north) -> b (south), c (north) -> d (north, joins b and c).
            let job = try await harness.admin.submit([
                "workflow": "fan_out", "site": "north", "paths": [north.mount + "/fan"], "fields": ["mode": "graph"],
            ])
            let done = try await harness.admin.waitForJob(job, log: { harness.log })
            let details = try await harness.taskResults(ofJob: job)
            #expect(done["state"] as? String == "SUCCESS", "\(done)\n\(details)")
            let rows = try await tasks(ofJob: job, harness)
            let submitter = try #require(rows.first { $0.type == "dynamo.custom.it_subdag" })
            let graph = rows.filter { !$0.dynamicParents.isEmpty }
            #expect(graph.map(\.type).sorted() == ["dynamo.tasks.migrate", "dynamo.tasks.noop", "dynamo.tasks.noop", "dynamo.tasks.reverse_stub"])
            #expect(graph.allSatisfy { $0.state == "SUCCESS" && $0.dynamicParents == [submitter.id] }, "\(details)")
            #expect(graph.first { $0.type == "dynamo.tasks.reverse_stub" }?.site == "south")
            for file in files {
                #expect(try await north.state(file) == "premigrated", "a: \(file)")
                let there = south.mount + file.dropFirst(north.mount.count)
                #expect(try await south.sha256(there) == (try await north.sha256(file)), "b: \(there)")
            }
            // d ran once both b and c had finished, on the union of what they passed on (south's paths
            // carried back to north's mount).
            let noops = graph.filter { $0.type == "dynamo.tasks.noop" }.map(\.id).sorted()
            let join = try await harness.admin.get("/api/tasks/\(noops.last ?? 0)/").object
            #expect((join["paths"] as? [String] ?? []).sorted() == files.sorted(), "\(join)")
            let stub = try await harness.admin.get("/api/tasks/\(graph.first { $0.type == "dynamo.tasks.reverse_stub" }?.id ?? 0)/").object
            let stubDone = try #require(stub["completed"] as? String), joinStarted = try #require(join["started"] as? String)
            #expect(joinStarted >= stubDone, "d started at \(joinStarted), before b finished at \(stubDone)")

            // A node that fails as a whole cancels its children; the job fails.
            let failing = try await harness.admin.submit([
                "workflow": "fan_out", "site": "north", "paths": [files[0]], "discovery": NSNull(), "fields": ["mode": "failing"],
            ])
            let failed = try await harness.admin.waitForJob(failing, log: { harness.log })
            let failedRows = try await tasks(ofJob: failing, harness)
            #expect(failed["state"] as? String == "FAILURE", "\(failed)")
            #expect(failedRows.first { $0.type == "dynamo.tasks.migrate" }?.state == "FAILURE")
            #expect(failedRows.first { $0.type == "dynamo.tasks.noop" }?.state == "CANCELLED", "\(failedRows)")

            // A graph the hub cannot run fails its submitter with the reason, and creates nothing.
            let refusing = try await harness.admin.submit([
                "workflow": "fan_out", "site": "north", "paths": [files[0]], "discovery": NSNull(), "fields": ["mode": "refused"],
            ])
            let refused = try await harness.admin.waitForJob(refusing, log: { harness.log })
            let refusedRows = try await tasks(ofJob: refusing, harness)
            #expect(refused["state"] as? String == "FAILURE")
            #expect(refusedRows.map(\.type) == ["dynamo.custom.it_subdag"], "\(refusedRows)")
            let submitted = try await harness.admin.get("/api/tasks/\(refusedRows.first?.id ?? 0)/").object
            let error = (submitted["result"] as? [String: Any])?["error"] as? String
            #expect(error == "sub-DAG refused: subdags[0].nodes[0].site: unknown site 'nowhere'", "\(submitted)")
        }
    }
}
