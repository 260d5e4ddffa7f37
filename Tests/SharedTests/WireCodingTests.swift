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

    /// The wire's own form is read and written by hand (years 1583-9999, Foundation before): exact to the
    /// millisecond both ways, and the same calendar fields as Foundation's ISO 8601 style.
    @Test func wireDatesRoundTripToTheMillisecondAndAgreeWithFoundation() throws {
        let foundation = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var generator = SystemRandomNumberGenerator()
        // Years 1583 to 9999 in milliseconds since 1970, the edges, leap days, and a few years before.
        var samples: [Int64] = [
            0, -1, 1, 86_399_999, -12_212_553_600_000, -12_212_553_600_001, 253_402_300_799_999, 951_782_400_000, 4_107_542_400_000,
        ]
        for _ in 0..<20_000 { samples.append(Int64.random(in: -12_212_553_600_000...253_402_300_799_999, using: &generator)) }
        for _ in 0..<100 { samples.append(Int64.random(in: -62_135_596_800_000 ... -12_212_553_600_001, using: &generator)) }
        for milliseconds in samples {
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let text = WireCoding.formatDate(date)
            guard milliseconds >= -12_212_553_600_000 else {
                #expect(text == foundation.format(date), "before 1583 the date is Foundation's")
                continue
            }
            #expect(WireCoding.parseDate(text) == date, "\(text)")
            #expect(WireCoding.formatDate(try #require(WireCoding.parseDate(text))) == text, "\(text)")
            // A quarter of a millisecond in, Foundation's flooring and our rounding name the same millisecond.
            #expect(text == foundation.format(date.addingTimeInterval(0.00025)), "\(milliseconds)")
        }
        #expect(WireCoding.formatDate(try #require(WireCoding.parseDate("2024-02-29T23:59:59.838Z"))) == "2024-02-29T23:59:59.838Z")
        // The form with no such date or time: read as Foundation reads them (it rolls them over), as before.
        for text in ["2023-02-29T00:00:00.000Z", "2023-04-25T24:00:00.000Z", "2023-04-25T23:59:60.000Z", "2023-04-25T14:56:31.2x3Z"] {
            #expect(WireCoding.parseDate(text) == (try? foundation.parse(text)), "\(text)")
        }
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
