import Foundation
import Shared
import Testing

@testable import Worker

/// The tool output contract: lines split anywhere, escapes, order checks, exit-code rules.
@Suite struct ToolOutputDecoderTests {
    @Test func decodesLinesSplitAnywhereWithEscapes() {
        let paths = ["/a\tb", "/c\\d", "/e\nf"]
        var decoder = ToolOutputDecoder(expected: paths)
        let text = "processed\t/a\\tb\tok\nskipped\t/c\\\\d\talready\\nmigrated\nfailed\t/e\\nf\tbad\n"
        for byte in Array(text.utf8) { decoder.feed([byte]) }
        decoder.finish()
        #expect(decoder.output.error == nil)
        #expect(decoder.output.outcomes == [
            ToolFileOutcome(state: .processed, message: "ok"), ToolFileOutcome(state: .skipped, message: "already\nmigrated"),
            ToolFileOutcome(state: .failures, message: "bad"),
        ])
    }

    @Test func aLineForAnotherPathIsAContractError() {
        var decoder = ToolOutputDecoder(expected: ["/a", "/b"])
        decoder.feed(Array("processed\t/b\t\n".utf8))
        #expect(decoder.output.error?.contains("expected input path '/a'") == true)
        var unknown = ToolOutputDecoder(expected: ["/a"])
        unknown.feed(Array("done\t/a\t\n".utf8))
        #expect(unknown.output.error?.contains("unknown state") == true)
    }

    @Test func anIncompleteLastLineIsNotAReport() {
        var decoder = ToolOutputDecoder(expected: ["/a", "/bb"])
        decoder.feed(Array("processed\t/a\t\nprocessed\t/b".utf8))
        decoder.finish()
        #expect(decoder.output.outcomes.count == 1)
        #expect(decoder.output.error == nil)
    }

    @Test func exitCodeRules() throws {
        let paths = ["/a", "/b"]
        let one = ToolOutput(outcomes: [ToolFileOutcome(state: .processed, message: "")])
        // Exit 2 and 3: nothing was done, the task fails with stderr.
        #expect(throws: TaskFailure.self) {
            try ToolRunner.interpret(
                tool: "ngmigrate", exit: ProcessExit(termination: .exited(3), stderr: "no site"), output: ToolOutput(),
                paths: paths, timeout: .seconds(1))
        }
        // Killed mid-batch: the reported file keeps its outcome, the other fails with the reason.
        let killed = try ToolRunner.interpret(
            tool: "ngmigrate", exit: ProcessExit(termination: .signalled(SIGKILL)), output: one, paths: paths, timeout: .seconds(1))
        #expect(killed.outcomes.map(\.state) == [.processed, .failures])
        #expect(killed.outcomes[1].message.contains("exited before reporting this file"))
        // Timed out.
        let late = try ToolRunner.interpret(
            tool: "ngrecall", exit: ProcessExit(termination: .signalled(SIGKILL), timedOut: true), output: one, paths: paths,
            timeout: .seconds(5))
        #expect(late.outcomes[1].message.contains("timed out after 5 s"))
        // Exit 1 with every line: the lines are the truth.
        let all = ToolOutput(outcomes: [ToolFileOutcome(state: .processed, message: ""), ToolFileOutcome(state: .failures, message: "x")])
        let normal = try ToolRunner.interpret(
            tool: "ngmigrate", exit: ProcessExit(termination: .exited(1)), output: all, paths: paths, timeout: .seconds(1))
        #expect(normal.outcomes == all.outcomes)
        #expect(normal.logs.isEmpty)
    }

    @Test func theTimeoutKillsTheTool() async throws {
        var sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        let files = try (1...3).map { try sandbox.write("slow\($0).txt", "s") }
        sandbox.extraEnvironment = ["NGSIM_SLOW": "*/slow2.txt:20000"]
        var settings = sandbox.settings
        settings.timeout = .seconds(2)
        // Left alone, the tool would finish slow2 after 20 s and report it processed: the failure with
        // "timed out" shows it was killed at the timeout (no wall-clock bound: the machine may be loaded).
        let result = try await ToolRunner(settings: settings).runBatch(tool: "ngmigrate", options: [], paths: files)
        #expect(result.outcomes.map(\.state) == [.processed, .failures, .failures])
        #expect(result.outcomes[1].message.contains("timed out"))
    }

    @Test func thePathListFileIsRemoved() async throws {
        let sandbox = try await ToolSandbox()
        defer { sandbox.remove() }
        var settings = sandbox.settings
        settings.temporaryDirectory = sandbox.root
        let file = try sandbox.write("l.txt", "l")
        _ = try await ToolRunner(settings: settings).runBatch(tool: "ngmigrate", options: [], paths: [file])
        let lists = try FileManager.default.contentsOfDirectory(atPath: sandbox.root).filter { $0.hasPrefix("ngenea-worker-paths.") }
        #expect(lists.isEmpty)
    }

    @Test func gpfsListingsArePickedByHeaderName() {
        let listing = GPFSListing(
            "mmlsfileset::HEADER:version:reserved:reserved:filesystemName:filesetName:path:\n"
                + "mmlsfileset::0:1:::mmfs1:root:/s/mmfs1:\nmmlsfileset::0:1:::mmfs1:odd:/s/a%3Ab%25c:\n")
        #expect(listing.records().map { $0["path"] } == ["/s/mmfs1", "/s/a:b%c"])
        #expect(listing.records().map { $0["filesetName"] } == ["root", "odd"])
    }
}
