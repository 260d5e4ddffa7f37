import Foundation
import Shared
import Testing

/// The result's optional `output` (the settings tasks' `{value, status, apply_output}`).
@Suite struct TaskOutputWireTests {
    static func result(output: JSONValue?) throws -> TaskResult {
        let started = try #require(WireCoding.parseDate("2025-06-25T12:00:02.108Z"))
        return TaskResult(
            taskID: "t-78", attempt: 1, jobID: 84, paths: [],
            status: TaskStatus(task: "dynamo.tasks.set_config_and_apply", inputPaths: [], started: started),
            node: "siteA-1.pixstor", output: output)
    }

    @Test func outputRoundTrips() throws {
        let output: JSONValue = [
            "value": [
                "ngeneahsm_targets:mmfs1-test2:Port": ["value": 443, "is_set": true, "schema_key": "ngeneahsm_targets:mmfs1-test2:Port", "is_secret": false]
            ],
            "status": "succeeded", "apply_output": ["siteA-1.pixstor": "succeeded"],
        ]
        let result = try Self.result(output: output)
        let bytes = try WireCoding.encode(result)
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        #expect(json["output"] == output)
        #expect(try WireCoding.decode(TaskResult.self, from: bytes) == result)
    }

    /// Absent when unset (older hubs see no new key), and a result without it still decodes.
    @Test func absentOutputIsOmittedAndTolerated() throws {
        let bytes = try WireCoding.encode(try Self.result(output: nil))
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        #expect(json["output"] == nil)
        #expect(try WireCoding.decode(TaskResult.self, from: bytes).output == nil)
    }
}
