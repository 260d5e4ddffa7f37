import Foundation
import Shared

/// One line of a plugin program's stdout: a file outcome, a log message or a sub-DAG (docs/plugins.md).
enum PluginLine: Equatable, Sendable {
    /// `{"add": {"state": "processed", "path": "/p", "message": ["..."], "size": 1}}`
    case add(FileState, FileDetail)
    /// `{"log": "text"}`
    case log(String)
    /// `{"subdag": {"paths": [...], "nodes": [...]}}` (PluginSubDAGLine)
    case subdag(SubDAG)
}

/// What a plugin program reported on stdout.
struct PluginOutput: Sendable, Equatable {
    struct Report: Sendable, Equatable {
        var state: FileState
        var detail: FileDetail
    }

    var reports: [Report] = []
    var logs: [String] = []
    /// Sub-DAGs to run in the job once the task has finished.
    var subdags: [SubDAG] = []
    /// The first line that broke the protocol (later lines are not parsed); nil when all were valid.
    var error: String?
    var lineCount = 0
}

/// Parses a plugin's stdout as it arrives, in chunks that may split lines anywhere. Blank lines are
/// ignored; anything else that is not an `add`, `log` or `subdag` object is a protocol error, recorded with its
/// line number and a quote of the line (truncated).
struct PluginOutputParser {
    private(set) var output = PluginOutput()
    /// Each file outcome as soon as its line is parsed (live progress).
    var onReport: ProgressReporter.Sink?
    private var lines = LineBuffer()
    private let decoder = JSONDecoder()

    init(onReport: ProgressReporter.Sink? = nil) {
        self.onReport = onReport
    }

    /// How much of a bad line an error quotes.
    static let quoteLimit = 200
    /// The states a plugin may report. `inprogress` is left out: a finished task has no file in progress.
    static let states: [FileState] = [.processed, .skipped, .aborted, .failures]

    mutating func feed<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        for line in lines.feed(bytes) { handle(line) }
    }

    /// Handles a last line that has no newline.
    mutating func finish() {
        let rest = lines.takeRest()
        if !rest.isEmpty { handle(rest) }
    }

    private mutating func handle<Line: Collection<UInt8>>(_ raw: Line) {
        output.lineCount += 1
        guard output.error == nil else { return }
        var line = Array(raw)
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { return }
        do {
            switch try parse(line) {
            case .add(let state, let detail):
                onReport?(state, detail)
                output.reports.append(.init(state: state, detail: detail))
            case .log(let text): output.logs.append(text)
            case .subdag(let graph): output.subdags.append(graph)
            }
        } catch {
            output.error = "stdout line \(output.lineCount): \(error.message): \(Self.quote(line))"
        }
    }

    /// Parses one non-blank line.
    /// - Throws: `PluginLineError` saying what is wrong with it.
    func parse(_ line: [UInt8]) throws(PluginLineError) -> PluginLine {
        do {
            return try decoder.decode(LineObject.self, from: Data(line)).line
        } catch let error as PluginLineError {
            throw error
        } catch {
            throw PluginLineError("not JSON")
        }
    }

    /// The line as a quoted string, cut at `quoteLimit` bytes.
    static func quote(_ line: [UInt8]) -> String {
        let cut = line.count > quoteLimit
        let text = String(decoding: line.prefix(quoteLimit), as: UTF8.self)
        return String(reflecting: text) + (cut ? " (\(line.count) bytes, truncated)" : "")
    }
}

/// Why one stdout line is not valid.
struct PluginLineError: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}

/// One stdout line, decoded strictly. A dedicated `Decodable` rather than `JSONValue`: decoding a
/// `JSONValue` tries each JSON type in turn and throws (expensively) on every miss, which made a plugin
/// reporting 100,000 files take half a minute.
private struct LineObject: Decodable {
    var line: PluginLine

    init(from decoder: any Decoder) throws {
        let object: KeyedDecodingContainer<AnyKey>
        do { object = try decoder.container(keyedBy: AnyKey.self) } catch { throw PluginLineError("not a JSON object") }
        let keys = object.allKeys
        guard keys.count == 1, let key = keys.first else {
            throw PluginLineError("expected exactly one key, \"add\", \"log\" or \"subdag\" (got \(keys.map(\.stringValue).sorted()))")
        }
        switch key.stringValue {
        case "log":
            guard let text = try? object.decode(String.self, forKey: key) else {
                throw PluginLineError("\"log\" must be a string")
            }
            line = .log(text)
        case "add":
            guard let add = try? object.nestedContainer(keyedBy: AnyKey.self, forKey: key) else {
                throw PluginLineError("\"add\" must be an object with state and path")
            }
            line = try Self.add(add)
        case "subdag":
            guard let value = try? object.decode(JSONValue.self, forKey: key) else {
                throw PluginLineError("\"subdag\" must be an object")
            }
            line = .subdag(try PluginSubDAGLine.parse(value))
        default:
            throw PluginLineError("unknown key \"\(key.stringValue)\" (expected \"add\", \"log\" or \"subdag\")")
        }
    }

    private static func add(_ add: KeyedDecodingContainer<AnyKey>) throws(PluginLineError) -> PluginLine {
        let allowed: Set<String> = ["state", "path", "message", "size"]
        if let unknown = add.allKeys.map(\.stringValue).sorted().first(where: { !allowed.contains($0) }) {
            throw PluginLineError("unknown key add.\(unknown) (expected state, path, message, size)")
        }
        let states = PluginOutputParser.states
        guard let stateText = try? add.decode(String.self, forKey: "state"), let state = FileState(rawValue: stateText),
            states.contains(state)
        else {
            throw PluginLineError("add.state must be one of \(states.map(\.rawValue).joined(separator: ", "))")
        }
        guard let path = try? add.decode(String.self, forKey: "path"), !path.isEmpty else {
            throw PluginLineError("add.path must be a non-empty string")
        }
        var message: [String]?
        if add.contains("message"), (try? add.decodeNil(forKey: "message")) != true {
            if let list = try? add.decode([String].self, forKey: "message") {
                message = list
            } else if let text = try? add.decode(String.self, forKey: "message") {
                message = [text]
            } else {
                throw PluginLineError("add.message must be a string or a list of strings")
            }
        }
        var size: Int64?
        if add.contains("size"), (try? add.decodeNil(forKey: "size")) != true {
            guard let bytes = try? add.decode(Int64.self, forKey: "size"), bytes >= 0 else {
                throw PluginLineError("add.size must be a whole number of bytes")
            }
            size = bytes
        }
        return .add(state, FileDetail(path: path, message: message, size: size))
    }
}

/// Any JSON object key.
private struct AnyKey: CodingKey, ExpressibleByStringLiteral {
    var stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
    init(stringLiteral value: String) { stringValue = value }
}
