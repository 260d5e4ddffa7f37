import Foundation
import Shared
import Testing

/// The hand-written JSON of the per-task messages must be the `Codable` form exactly: the same bytes out,
/// the same values in, and anything unusual still decoded (or refused) as `JSONDecoder` would.
@Suite struct FastJSONTests {
    /// Foundation's bytes, for comparison.
    static func foundation<T: Encodable>(_ value: T) throws -> [UInt8] { Array(try WireCoding.encoder().encode(value)) }

    static func fast<T: FastJSONEncodable>(_ value: T) throws -> [UInt8] {
        var writer = JSONWriter()
        try value.write(json: &writer)
        return writer.bytes
    }

    static func fastDecode<T: FastJSONDecodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
        var reader = JSONReader(bytes)
        let value = try T(json: &reader)
        try reader.end()
        return value
    }

    /// Strings that need escaping, non-ASCII text and characters beyond the BMP.
    static let awkward = [
        "/mmfs1/plain", "q\"uote\\back/slash", "tab\tnew\nline\rcr\u{8}\u{c}", "\u{1}\u{1f}\u{7f}", "é€😀\u{2028}",
        "", "sp ace",
    ]

    static func sampleResult(seed: Int) throws -> TaskResult {
        var generator = SeededGenerator(seed: UInt64(seed))
        func text() -> String { awkward[Int.random(in: 0..<awkward.count, using: &generator)] + "\(Int.random(in: 0...9999, using: &generator))" }
        let paths = (0..<Int.random(in: 0...5, using: &generator)).map { _ in
            PathItem(
                path: text(), size: Bool.random(using: &generator) ? Int64.random(in: -5...Int64.max, using: &generator) : nil,
                state: Bool.random(using: &generator) ? text() : nil, source: Bool.random(using: &generator) ? text() : nil,
                message: Bool.random(using: &generator) ? [text(), text()] : nil,
                additionalMetadata: Bool.random(using: &generator) ? ["inode": .int(42), "name": .string(text()), "ok": true, "none": .null, "list": [1, "x"]] : nil,
                type: Bool.random(using: &generator) ? "file" : nil)
        }
        // Workers leave the input out (a third of the seeds here) and the default paths (another third).
        var status = TaskStatus(
            task: "dynamo.tasks.migrate", inputPaths: seed % 3 == 1 ? [] : paths, inputTotal: paths.count,
            started: Date(timeIntervalSince1970: 1_700_000_000.125))
        for item in paths {
            status.add(FileState.allCases.randomElement(using: &generator) ?? .processed, FileDetail(path: item.path, message: item.message, size: item.size))
        }
        return TaskResult(
            taskID: UUID().uuidString, attempt: Int.random(in: 1...9, using: &generator), jobID: Int.random(in: 1...Int.max, using: &generator),
            paths: seed % 3 == 2 ? nil : paths, status: status, willSpawnChildren: Bool.random(using: &generator) ? false : nil,
            logs: Bool.random(using: &generator) ? [text()] : nil, error: Bool.random(using: &generator) ? text() : nil,
            node: Bool.random(using: &generator) ? "node-\(seed)" : nil, discover: Bool.random(using: &generator) ? [text()] : nil,
            output: Bool.random(using: &generator) ? ["stat": ["a": 1, "b": seed % 2 == 0 ? 2 : .double(1.5)], "z": .null] : nil,
            subdags: Bool.random(using: &generator) ? [SubDAG(paths: paths, nodes: [.init(id: "a", task: "dynamo.tasks.noop")])] : nil)
    }

    @Test func resultsEncodeToFoundationsBytesAndDecodeBack() throws {
        for seed in 0..<300 {
            let message = HubMessage.result(try Self.sampleResult(seed: seed))
            let bytes = try Self.fast(message)
            #expect(bytes == (try Self.foundation(message)), "seed \(seed)")
            // Odd seeds carry a double, which the reader leaves to `JSONDecoder`.
            if seed % 2 == 0 { #expect(try Self.fastDecode(HubMessage.self, bytes) == message, "seed \(seed)") }
            #expect(try WireCoding.decode(HubMessage.self, from: bytes) == message)
        }
    }

    @Test func aResultWithoutItsInputOrPathsDecodesAndTheDefaultIsDerived() throws {
        let text = #"{"type":"result","body":{"attempt":1,"jobid":4,"status":{"details":{"processed":[{"path":"/a/2"},{"path":"/a/new","size":5}],"skipped":[{"path":"/a/1"}],"failures":[{"path":"/a/3"}]},"input_total":3,"started":"2026-11-23T10:00:00Z","summary":{"processed":2,"skipped":1,"failures":1},"task":"dynamo.tasks.migrate"},"task_id":"t","v":1}}"#
        for decoded in [try Self.fastDecode(HubMessage.self, Array(text.utf8)), try WireCoding.decode(HubMessage.self, from: Array(text.utf8))] {
            guard case .result(let result) = decoded else {
                Issue.record("not a result: \(decoded)")
                continue
            }
            #expect(result.paths == nil)
            #expect(result.status.inputPaths.isEmpty && result.status.inputTotal == 3)
            let input = [
                PathItem(path: "/a/1", size: 1, state: "created", type: "file"), PathItem(path: "/a/2", size: 2, source: "/b/2", type: "file"),
                PathItem(path: "/a/3", size: 3, type: "file"),
            ]
            // Processed first, then skipped; each as its input item; a file not in the input as path and size.
            #expect(result.status.passedOn(from: input) == [input[1], PathItem(path: "/a/new", size: 5), input[0]])
            #expect(result.status.passedOn(from: []).map(\.path) == ["/a/2", "/a/new", "/a/1"])
        }
    }

    @Test func eventsEncodeToFoundationsBytes() throws {
        let started = HubMessage.started(TaskStarted(taskID: "t", attempt: 3, jobID: 9, node: "n\"1", started: Date(timeIntervalSince1970: 1.5)))
        let progress = HubMessage.progress(FileOutcomeBatch(
            taskID: "t", attempt: 1, jobID: 2, state: .aborted, files: Self.awkward.map { FileDetail(path: $0, message: [$0]) }))
        for message in [started, progress] {
            #expect(try Self.fast(message) == (try Self.foundation(message)))
            #expect(try Self.fastDecode(HubMessage.self, try Self.foundation(message)) == message)
        }
    }

    @Test func goldenFixturesReadAsCodableReadsThem() throws {
        for name in ["task_result", "task_result_subdag", "task_started", "progress", "heartbeat"] {
            let bytes = try GoldenTests.fixture(name)
            let codable = try WireCoding.decoder().decode(HubMessage.self, from: Data(bytes))
            #expect(try Self.fastDecode(HubMessage.self, bytes) == codable, "\(name)")
        }
        // The manual's example (a peer's payload without `v`): its status, naive date with microseconds included.
        let manual = try GoldenTests.fixture("manual_result_example")
        struct Payload: Decodable { var status: TaskStatus }
        var reader = JSONReader(manual)
        var status: TaskStatus?
        try reader.beginObject()
        var first = true
        while let key = try reader.nextKey(&first) {
            if key == "status" { status = try TaskStatus(json: &reader) } else { try reader.skipValue() }
        }
        #expect(status == (try WireCoding.decoder().decode(Payload.self, from: Data(manual))).status)
        let envelope = try GoldenTests.fixture("task_envelope")
        #expect(
            try Self.fastDecode(TaskEnvelope.self, envelope) == (try WireCoding.decoder().decode(TaskEnvelope.self, from: Data(envelope))))
    }

    /// The hub writes envelopes from the parts it stores; the result is what the encoder writes.
    @Test func envelopeFromStoredPartsIsWhatTheEncoderWrites() throws {
        let envelope = TaskEnvelope(
            taskID: "0f6e1c9a-3b8d-4a51-9d7e-2c4b6a8f0e11", attempt: 1, jobID: 42, task: "dynamo.tasks.migrate",
            queue: try QueueName(parsing: "london.default#worker"),
            kwargs: ["stub_size": 0, "endpoint": "a \"quoted\" name", "nested": ["k": [1, nil]]],
            paths: [PathItem(path: "/mmfs1/data/é \\ x", size: 3), PathItem(path: "/mmfs1/dir", type: "directory")],
            enqueuedAt: try GoldenTests.date("2026-11-23T10:11:12.345Z"))
        let written = TaskEnvelope.json(
            taskID: envelope.taskID, attempt: envelope.attempt, jobID: Int64(envelope.jobID), task: envelope.task,
            queue: envelope.queue.description, kwargs: try WireCoding.encode(JSONValue.object(envelope.kwargs)),
            paths: try WireCoding.encode(envelope.paths), enqueuedAt: WireCoding.formatDate(envelope.enqueuedAt))
        #expect(written == (try WireCoding.encode(envelope)))
        #expect(try Self.fastDecode(TaskEnvelope.self, written) == envelope)
    }

    @Test func pathItemsInEveryFormTheManualUses() throws {
        let text = #"[{"path":"/a","message":"one reason"},{"path":"/b","message":["x","y"],"size":null,"unknown":{"k":[1,{"z":"w"}]}},"#
            + #" { "path" : "/c\u00e9\ud83d\ude00" , "type" : "directory" }]"#
        let fast = try Self.fastDecode([PathItem].self, Array(text.utf8))
        #expect(fast == (try WireCoding.decoder().decode([PathItem].self, from: Data(text.utf8))))
        #expect(fast.map(\.path) == ["/a", "/b", "/cé😀"])
        #expect(fast[0].message == ["one reason"])
    }

    /// Keys are matched on their bytes, and a key written with escapes or outside ASCII is matched as
    /// `Codable` matches it: the same item either way, and a key that only looks like a known one is ignored.
    @Test func pathItemKeysMatchAsCodableMatchesThem() throws {
        let texts = [
            #"{"p\u0061th":"/escaped","\u0073ize":7}"#,
            #"{"path":"/plain","pa":1,"paths":2,"päth":"/not-it","additional_metadatas":3,"size":7}"#,
            #"{"type":"file","path":"/last","typ":"x","size":7}"#,
        ]
        for text in texts {
            let fast = try Self.fastDecode(PathItem.self, Array(text.utf8))
            #expect(fast == (try WireCoding.decoder().decode(PathItem.self, from: Data(text.utf8))), "\(text)")
            #expect(fast.size == 7 && fast.path.hasPrefix("/") && fast.path != "/not-it", "\(text)")
        }
        // A key given twice (however it is written) is left to JSONDecoder, which keeps the first value or
        // refuses the object; the fast reader never picks the last one.
        for text in [#"{"path":"/a","path":"/b"}"#, #"{"path":"/a","p\u0061th":"/b"}"#, #"{"size":"x","size":7,"path":"/a"}"#] {
            var reader = JSONReader(Array(text.utf8))
            #expect(throws: JSONReader.Failure.self, "\(text)") { try PathItem(json: &reader) }
            let codable = try? WireCoding.decoder().decode(PathItem.self, from: Data(text.utf8))
            #expect((try? WireCoding.decode(PathItem.self, from: Array(text.utf8))) == codable, "\(text)")
        }
        // A key that is not valid UTF-8 is refused, as JSONDecoder refuses it.
        let invalidKey: [UInt8] = Array(#"{"path":"/a",""#.utf8) + [0xFF] + Array(#"":1}"#.utf8)
        #expect(throws: (any Error).self) { try WireCoding.decode(PathItem.self, from: invalidKey) }
        var reader = JSONReader(invalidKey)
        #expect(throws: JSONReader.Failure.self) { try PathItem(json: &reader) }
    }

    /// What the hand-written reader does not take still decodes, through `JSONDecoder`, to the same value.
    @Test func unusualInputFallsBackToCodable() throws {
        let started = #"{"type":"started","body":{"v":1.0,"task_id":"t","attempt":2,"jobid":1e1,"node":"n","started":"2024-01-01T00:00:00Z"}}"#
        var reader = JSONReader(Array(started.utf8))
        #expect(throws: JSONReader.Failure.self) { try HubMessage(json: &reader) }
        guard case .started(let event) = try WireCoding.decode(HubMessage.self, from: Array(started.utf8)) else {
            Issue.record("not a started event")
            return
        }
        #expect(event.jobID == 10 && event.version == 1)
    }

    @Test func badInputIsRefusedWithCodablesError() throws {
        let cases = [
            #"{"type":"result","body":{"v":1}}"#,  // required keys missing
            #"{"type":"nonsense","body":{}}"#,
            #"{"type":"started","body":{"v":1,"task_id":"t","attempt":2,"jobid":1,"node":"n","started":"yesterday"}}"#,
            "{\"type\":\"started\",\"body\":{\"task_id\":\"\u{1}\"}}",
            #"{"type":"started""#,
        ]
        for text in cases {
            #expect(throws: DecodingError.self, "\(text)") { try WireCoding.decode(HubMessage.self, from: Array(text.utf8)) }
        }
        let invalidUTF8: [UInt8] = Array(#"{"path":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8)
        #expect(throws: (any Error).self) { try WireCoding.decode(PathItem.self, from: invalidUTF8) }
        let newer = #"{"v":99,"task_id":"t","attempt":1,"jobid":1,"task":"x","queue":"s.default#worker","enqueued_at":"2024-01-01T00:00:00Z"}"#
        #expect(throws: DecodingError.self) { try WireCoding.decode(TaskEnvelope.self, from: Array(newer.utf8)) }
    }

    /// The type is read from the message's end when it is last (as written): every layout still decodes to
    /// what `Codable` gives, and a message whose two types disagree is refused.
    @Test func messagesDecodeWhereverTheirTypeIs() throws {
        let body = #"{"attempt":2,"jobid":1,"node":"n","started":"2024-01-01T00:00:00.000Z","task_id":"t","v":1}"#
        let layouts = [
            #"{"body":\#(body),"type":"started"}"#,
            #"{"type":"started","body":\#(body)}"#,
            #" { "body" : \#(body) , "extra" : [1,{"a":"b"}] , "type" : "started" } "#,
            // An escape in the type: no hint from the end, the body is found the long way.
            #"{"body":\#(body),"type":"st\u0061rted"}"#,
        ]
        for text in layouts {
            let fast = try Self.fastDecode(HubMessage.self, Array(text.utf8))
            #expect(fast == (try WireCoding.decoder().decode(HubMessage.self, from: Data(text.utf8))), "\(text)")
            guard case .started(let event) = fast else {
                Issue.record("not a started event: \(text)")
                continue
            }
            #expect(event.taskID == "t" && event.attempt == 2)
        }
        let twoTypes = #"{"type":"result","body":\#(body),"type":"started"}"#
        var reader = JSONReader(Array(twoTypes.utf8))
        #expect(throws: JSONReader.Failure.self) { try HubMessage(json: &reader) }
        let noBody = #"{"type":"started"}"#
        #expect(throws: DecodingError.self) { try WireCoding.decode(HubMessage.self, from: Array(noBody.utf8)) }
    }

    @Test func theTrailingTypeHintReadsOnlyAWellFormedLastMember() {
        func hint(_ text: String) -> String? { JSONReader(Array(text.utf8)).trailingString(forKey: "type") }
        #expect(hint(#"{"body":{},"type":"result"}"#) == "result")
        #expect(hint(" {\"type\" :\t\"progress\" }\n") == "progress")
        for text in ["", "}", "\"}", "\"\"}", #":"x"}"#, #"{"type":"a\"b"}"#, #"{"kind":"result"}"#, #"{"type":1}"#, #"{"type":"x"]"#] {
            #expect(hint(text) == nil, "\(text)")
        }
    }

    @Test func objectsWithNonASCIIKeysKeepFoundationsOrder() throws {
        let value: JSONValue = ["é": 1, "z": 2, "A": 3, "a_b": 4, "aB": 5]
        #expect(try Self.fast(value) == (try Self.foundation(value)))
        let ascii: JSONValue = ["a10": 1, "a2": 2, "_x": 3, "Z": 4, "a-b": 5, "a.b": .double(0.1)]
        #expect(try Self.fast(ascii) == (try Self.foundation(ascii)))
    }
}

/// A small deterministic generator (SplitMix64), so a failing seed can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
