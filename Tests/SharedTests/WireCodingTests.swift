import Foundation
import Shared
import Testing

@Suite struct WireCodingTests {
    @Test(arguments: [
        "2023-04-25T14:56:31.253043",  // the manual's naive form, microseconds
        "2023-04-25T14:56:31.253Z",
        "2023-04-25T14:56:31Z",
        "2023-04-25T15:56:31.253+01:00",
        "2023-04-25T14:56:31.253043+00:00",
    ])
    func parsesTheDateFormsPeersSend(text: String) throws {
        let date = try #require(WireCoding.parseDate(text))
        let reference = try #require(WireCoding.parseDate("2023-04-25T14:56:31Z"))
        #expect(abs(date.timeIntervalSince(reference)) < 0.3)
    }

    @Test(arguments: ["", "yesterday", "2023-13-45T99:00:00Z", "2023-04-25"])
    func rejectsNonDates(text: String) {
        #expect(WireCoding.parseDate(text) == nil)
    }

    @Test func refusesANewerWireVersion() {
        let json = #"{"v": 99, "task_id": "t", "attempt": 1, "jobid": 1, "task": "x", "queue": "a.b#worker", "enqueued_at": "2026-01-01T00:00:00Z"}"#
        #expect(throws: DecodingError.self) { try WireCoding.decode(TaskEnvelope.self, from: Array(json.utf8)) }
    }

    @Test func envelopeToleratesMissingOptionalsAndUnknownKeys() throws {
        let json = #"{"v": 1, "task_id": "t", "attempt": 1, "jobid": 1, "task": "x", "queue": "a.b#worker", "enqueued_at": "2026-01-01T00:00:00Z", "future_field": [1, 2]}"#
        let envelope = try WireCoding.decode(TaskEnvelope.self, from: Array(json.utf8))
        #expect(envelope.paths.isEmpty)
        #expect(envelope.kwargs.isEmpty)
        #expect(envelope.streamResults == false)
    }

    @Test func bigIntegersSurviveInKwargs() throws {
        let value: JSONValue = ["jobid": .int(9_007_199_254_740_993)]
        let back = try WireCoding.decode(JSONValue.self, from: try WireCoding.encode(value))
        #expect(back == value)
    }

    @Test func singleStringMessageBecomesAList() throws {
        let item = try WireCoding.decode(PathItem.self, from: Array(#"{"path": "/a", "message": "oops"}"#.utf8))
        #expect(item.message == ["oops"])
    }

    @Test func statusAddCountsPerState() {
        var status = TaskStatus(task: "t", inputPaths: [], started: Date())
        status.add(.processed, FileDetail(path: "/a"))
        status.add(.processed, FileDetail(path: "/b"))
        status.add(.aborted, FileDetail(path: "/c"))
        #expect(status.summary == ["processed": 2, "aborted": 1])
        #expect(FileState.processed.passesOn && FileState.skipped.passesOn)
        #expect(!FileState.aborted.passesOn && !FileState.failures.passesOn)
    }
}
