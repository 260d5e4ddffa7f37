import Foundation
import Shared
import Testing

@testable import Worker

/// The JSON-lines protocol on a plugin's stdout.
@Suite struct PluginOutputTests {
    func parse(_ text: String, chunk: Int = .max) -> PluginOutput {
        var parser = PluginOutputParser()
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            let end = min(start + chunk, bytes.count)
            parser.feed(bytes[start..<end])
            start = end
        }
        parser.finish()
        return parser.output
    }

    static let valid = """
        {"add": {"state": "processed", "path": "/mmfs1/a", "size": 10}}
        {"log": "halfway"}

        {"add": {"state": "failures", "path": "/mmfs1/b", "message": ["Reason xyz"]}}\r
        {"add": {"state": "skipped", "path": "/mmfs1/c", "message": "single"}}
        {"add": {"state": "aborted", "path": "/mmfs1/d", "message": null}}
        {"log": "done"}
        """

    /// Lines split anywhere across reads parse the same; blank lines and CRLF are fine; the last line
    /// needs no newline.
    @Test(arguments: [1, 7, 64, Int.max])
    func validLinesInAnyChunking(chunk: Int) {
        let output = parse(Self.valid, chunk: chunk)
        #expect(output.error == nil)
        #expect(output.logs == ["halfway", "done"])
        #expect(output.reports == [
            .init(state: .processed, detail: FileDetail(path: "/mmfs1/a", size: 10)),
            .init(state: .failures, detail: FileDetail(path: "/mmfs1/b", message: ["Reason xyz"])),
            .init(state: .skipped, detail: FileDetail(path: "/mmfs1/c", message: ["single"])),
            .init(state: .aborted, detail: FileDetail(path: "/mmfs1/d")),
        ])
        #expect(output.lineCount == 7)
    }

    @Test(arguments: [
        ("Hello, I am not JSON", #"stdout line 2: not JSON: "Hello, I am not JSON""#),
        ("[1, 2]", "stdout line 2: not a JSON object"),
        (#"{"result": {}}"#, #"stdout line 2: unknown key "result" (expected "add" or "log")"#),
        (#"{"log": "a", "add": {}}"#, #"stdout line 2: expected exactly one key, "add" or "log" (got ["add", "log"])"#),
        (#"{"log": 5}"#, #"stdout line 2: "log" must be a string"#),
        (#"{"add": "/x"}"#, #"stdout line 2: "add" must be an object with state and path"#),
        (#"{"add": {"state": "done", "path": "/x"}}"#, "stdout line 2: add.state must be one of processed, skipped, aborted, failures"),
        (#"{"add": {"state": "inprogress", "path": "/x"}}"#, "stdout line 2: add.state must be one of"),
        (#"{"add": {"state": "processed"}}"#, "stdout line 2: add.path must be a non-empty string"),
        (#"{"add": {"state": "processed", "path": "/x", "msg": "m"}}"#, "stdout line 2: unknown key add.msg"),
        (#"{"add": {"state": "processed", "path": "/x", "message": [1]}}"#, "stdout line 2: add.message must be a string or a list of strings"),
        (#"{"add": {"state": "processed", "path": "/x", "size": -1}}"#, "stdout line 2: add.size must be a whole number of bytes"),
    ])
    func badLineIsAnErrorQuotingIt(line: String, expected: String) {
        let output = parse(#"{"log": "first"}"# + "\n" + line + "\n" + #"{"log": "after"}"# + "\n")
        #expect(output.error?.hasPrefix(expected) == true, "got: \(output.error ?? "nil")")
        #expect(output.logs == ["first"], "lines after the first bad one are not used")
        #expect(output.lineCount == 3)
    }

    @Test func longBadLineIsQuotedTruncated() {
        let output = parse(String(repeating: "x", count: 10_000))
        let error = output.error ?? ""
        #expect(error.hasPrefix("stdout line 1: not JSON: \"xxxx"))
        #expect(error.hasSuffix("(10000 bytes, truncated)"))
        #expect(error.count < 300)
    }

    @Test func invalidUTF8IsQuotedWithReplacement() {
        var parser = PluginOutputParser()
        parser.feed([0xFF, 0xFE, 0x41, 0x0A])
        parser.finish()
        #expect(parser.output.error == "stdout line 1: not JSON: \"\u{FFFD}\u{FFFD}A\"")
    }
}
