import Foundation
import Shared
import Testing

/// `TaskStatus.compact(inputs:)`: a result whose files are exactly its input, all in one state, leaves them
/// out (`all_inputs`) and loses nothing; any other result keeps its details as they are.
@Suite struct WholeInputStatusTests {
    static let inputs = [
        PathItem(path: "/mmfs1/a", size: 10, type: "file"), PathItem(path: "/mmfs1/b \"q\"", size: nil, type: "file"),
        PathItem(path: "/mmfs1/c", size: 3, type: "file"),
    ]

    static func status(_ files: [(FileState, FileDetail)], inputs: [PathItem] = inputs) -> TaskStatus {
        var status = TaskStatus(task: "dynamo.tasks.migrate", inputPaths: inputs, started: Date(timeIntervalSince1970: 1_700_000_000))
        for (state, detail) in files { status.add(state, detail) }
        status.inputPaths = []
        return status
    }

    static func asListed(_ state: FileState) -> [(FileState, FileDetail)] {
        inputs.map { (state, FileDetail(path: $0.path, size: $0.size)) }
    }

    @Test(arguments: [FileState.processed, .skipped, .aborted, .failures])
    func filesThatAreExactlyTheInputInOneStateAreLeftOutAndCanBeSpelledOutAgain(state: FileState) throws {
        let original = Self.status(Self.asListed(state))
        var compact = original
        compact.compact(inputs: Self.inputs)
        #expect(compact.allInputs == state.rawValue)
        #expect(compact.details.isEmpty)
        #expect(compact.summary == original.summary)
        #expect(compact.expandedDetails(inputs: Self.inputs) == original.details)
        #expect(compact.passedOn(from: Self.inputs) == original.passedOn(from: Self.inputs))
        #expect(compact.passedOnCount == original.passedOn(from: Self.inputs).count)
        // Both wire codings carry it (the hand-written one and Codable).
        let fast = try WireCoding.decode(TaskStatus.self, from: try WireCoding.encode(compact))
        #expect(fast == compact)
        let codable = try JSONDecoder().decode(TaskStatus.self, from: try JSONEncoder().encode(compact))
        #expect(codable.allInputs == state.rawValue && codable.details.isEmpty)
        // A status without it says nothing of it on the wire.
        #expect(!String(decoding: try WireCoding.encode(original), as: UTF8.self).contains("all_inputs"))
    }

    @Test func anythingElseKeepsItsDetails() {
        var cases: [(String, TaskStatus)] = []
        var mixed = Self.asListed(.processed)
        mixed[1].0 = .failures
        cases.append(("two states", Self.status(mixed)))
        var message = Self.asListed(.processed)
        message[2].1.message = ["premigrated already"]
        cases.append(("a message", Self.status(message)))
        var size = Self.asListed(.processed)
        size[0].1.size = 11
        cases.append(("a size the task measured differently", Self.status(size)))
        cases.append(("another order", Self.status(Array(Self.asListed(.processed).reversed()))))
        cases.append(("a file missing", Self.status(Array(Self.asListed(.processed).dropLast()))))
        cases.append(("a file not in the input", Self.status(Self.asListed(.processed) + [(.processed, FileDetail(path: "/mmfs1/d"))])))
        var counted = Self.status(Self.asListed(.processed))
        counted.summary[FileState.processed.rawValue] = 4
        cases.append(("a summary that counts more", counted))
        var discovery = Self.status([])
        discovery.summary[FileState.processed.rawValue] = 3
        cases.append(("no files listed", discovery))
        for (name, original) in cases {
            var status = original
            status.compact(inputs: Self.inputs)
            #expect(status == original, "\(name) was compacted")
        }
    }

    /// The hub reads the files back from the input, one per item: an input naming a path twice, or a
    /// path the task wrote in another Unicode normalisation, keeps its details.
    @Test func repeatedOrRenormalisedPathsKeepTheirDetails() {
        let twice = [PathItem(path: "/mmfs1/a", size: 1), PathItem(path: "/mmfs1/a", size: 1)]
        var repeated = Self.status(twice.map { (.processed, FileDetail(path: $0.path, size: 1)) }, inputs: twice)
        let original = repeated
        repeated.compact(inputs: twice)
        #expect(repeated == original)

        let composed = [PathItem(path: "/mmfs1/caf\u{E9}")]
        var decomposed = Self.status([(.processed, FileDetail(path: "/mmfs1/cafe\u{301}"))], inputs: composed)
        let before = decomposed
        decomposed.compact(inputs: composed)
        #expect(decomposed == before)
    }
}
