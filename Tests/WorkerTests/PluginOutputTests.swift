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
        (#"{"result": {}}"#, #"stdout line 2: unknown key "result" (expected "add", "log" or "subdag")"#),
        (#"{"log": "a", "add": {}}"#, #"stdout line 2: expected exactly one key, "add", "log" or "subdag" (got ["add", "log"])"#),
        (#"{"log": 5}"#, #"stdout line 2: "log" must be a string"#),
        (#"{"add": "/x"}"#, #"stdout line 2: "add" must be an object with state and path"#),
        (#"{"add": {"state": "done", "path": "/x"}}"#, "stdout line 2: add.state must be one of processed, skipped, aborted, failures"),
        (#"{"add": {"state": "inprogress", "path": "/x"}}"#, "stdout line 2: add.state must be one of"),
        (#"{"add": {"state": "processed"}}"#, "stdout line 2: add.path must be a non-empty string"),
        (#"{"add": {"state": "processed", "path": "/x", "msg": "m"}}"#, "stdout line 2: unknown key add.msg"),
        (#"{"add": {"state": "processed", "path": "/x", "message": [1]}}"#, "stdout line 2: add.message must be a string or a list of strings"),
        (#"{"add": {"state": "processed", "path": "/x", "size": -1}}"#, "stdout line 2: add.size must be a whole number of bytes"),
        (#"{"subdag": []}"#, #"stdout line 2: "subdag" must be an object"#),
        (#"{"subdag": {"nodes": []}}"#, "stdout line 2: subdag.paths must be a list of paths"),
        (#"{"subdag": {"paths": ["x"], "task": "t"}}"#, "stdout line 2: subdag.paths[0] must be an absolute path"),
        (#"{"subdag": {"paths": [], "nodes": []}}"#, "stdout line 2: subdag.nodes: a sub-DAG needs at least one node"),
        (#"{"subdag": {"paths": [], "nodes": [{"id": "a"}]}}"#, "stdout line 2: subdag.nodes[0].task must be a task name"),
        (#"{"subdag": {"paths": [], "nodes": [{"id": "a", "task": "t", "parents": ["b"]}]}}"#,
         "stdout line 2: subdag.nodes[0].parents: 'b' is not a node of this sub-DAG"),
        (#"{"subdag": {"paths": [], "nodes": [{"id": "a", "task": "t", "parent": []}]}}"#, "stdout line 2: unknown key subdag.nodes[0].parent"),
        (#"{"subdag": {"paths": [], "task": "t", "parents": []}}"#, "stdout line 2: unknown key subdag.parents"),
        (#"{"subdag": {"paths": [], "task": "t", "kwargs": []}}"#, "stdout line 2: subdag.kwargs must be an object"),
    ])
    func badLineIsAnErrorQuotingIt(line: String, expected: String) {
        let output = parse(#"{"log": "first"}"# + "\n" + line + "\n" + #"{"log": "after"}"# + "\n")
        #expect(output.error?.hasPrefix(expected) == true, "got: \(output.error ?? "nil")")
        #expect(output.logs == ["first"], "lines after the first bad one are not used")
        #expect(output.lineCount == 3)
    }

    /// Both forms of the manual's helpers: a `Graph` of nodes with parents, and a `task_template` of one task.
    @Test func subDAGLines() {
        let output = parse("""
            {"subdag": {"paths": ["/mmfs1/a", {"path": "/mmfs1/b", "size": 5}], "nodes": [{"id": "x", "name": "dynamo.tasks.remove_location_xattrs_for_moved"}, {"id": "y", "task": "dynamo.tasks.reverse_stub", "kwargs": {"hydrate": true}, "site": "dublin", "parents": ["x"]}]}}
            {"subdag": {"paths": ["/mmfs1/c"], "task": "dynamo.custom.tag", "queue": "fast"}}
            """)
        #expect(output.error == nil)
        #expect(output.subdags == [
            SubDAG(
                paths: [PathItem(path: "/mmfs1/a"), PathItem(path: "/mmfs1/b", size: 5)],
                nodes: [
                    .init(id: "x", task: "dynamo.tasks.remove_location_xattrs_for_moved"),
                    .init(id: "y", task: "dynamo.tasks.reverse_stub", kwargs: ["hydrate": true], site: "dublin", parents: ["x"]),
                ]),
            SubDAG(paths: [PathItem(path: "/mmfs1/c")], nodes: [.init(id: "task", task: "dynamo.custom.tag", queue: "fast")]),
        ])
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
