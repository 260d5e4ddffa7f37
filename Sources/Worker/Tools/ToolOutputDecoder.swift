import Shared

/// One file's outcome as a per-file tool printed it.
struct ToolFileOutcome: Sendable, Equatable {
    var state: FileState
    var message: String

    /// The status detail for `path` (an empty message is none).
    func detail(path: String, size: Int64? = nil) -> FileDetail {
        FileDetail(path: path, message: message.isEmpty ? nil : [message], size: size)
    }
}

/// What a per-file tool reported on stdout: the outcomes of the first `outcomes.count` input paths.
struct ToolOutput: Sendable, Equatable {
    var outcomes: [ToolFileOutcome] = []
    /// The first line that broke the contract (later lines are not used); nil when all were valid.
    var error: String?
}

/// Decodes the output contract of ngmigrate, ngrecall and ngunmanage (docs/sandbox.md, "Output
/// contract") as it arrives: `STATE<TAB>PATH<TAB>MESSAGE` per input path, in input order, with `\\`,
/// `\t` and `\n` escaped in PATH and MESSAGE. Each line's PATH must be the next input path, so an outcome
/// can never be credited to the wrong file.
struct ToolOutputDecoder: ProcessOutputSink {
    let expected: [String]
    /// Each outcome as soon as its line is decoded (live progress).
    var onOutcome: ProgressReporter.Sink?
    private(set) var output = ToolOutput()
    private var lines = LineBuffer()
    private var lineNumber = 0

    /// How much of a bad line an error quotes.
    static let quoteLimit = 200

    init(expected: [String], onOutcome: ProgressReporter.Sink? = nil) {
        self.expected = expected
        self.onOutcome = onOutcome
    }

    mutating func feed<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        for line in lines.feed(bytes) { handle(line) }
    }

    /// A last line without its newline counts only if it is complete and valid: a tool that died while
    /// writing it has not reported that file.
    mutating func finish() {
        let line = lines.takeRest()
        guard !line.isEmpty, output.error == nil else { return }
        if let outcome = try? decode(line, index: output.outcomes.count) { output.outcomes.append(outcome) }
    }

    private mutating func handle(_ line: [UInt8]) {
        lineNumber += 1
        guard output.error == nil, !line.isEmpty else { return }
        do {
            let outcome = try decode(line, index: output.outcomes.count)
            onOutcome?(outcome.state, outcome.detail(path: expected[output.outcomes.count]))
            output.outcomes.append(outcome)
        } catch {
            output.error = "stdout line \(lineNumber): \(error.message): \(Self.quote(line))"
        }
    }

    private func decode(_ line: [UInt8], index: Int) throws(ToolLineError) -> ToolFileOutcome {
        let fields = line.split(separator: 0x09, maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count == 2 || fields.count == 3 else {
            throw ToolLineError("expected STATE<TAB>PATH<TAB>MESSAGE")
        }
        let stateText = String(decoding: fields[0], as: UTF8.self)
        guard let state = Self.state(stateText) else { throw ToolLineError("unknown state '\(stateText)'") }
        let path = Self.unescape(fields[1])
        guard index < expected.count else { throw ToolLineError("more lines than input paths (\(expected.count))") }
        guard path == expected[index] else {
            throw ToolLineError("line \(index + 1) is for '\(path)', expected input path '\(expected[index])'")
        }
        return ToolFileOutcome(state: state, message: fields.count == 3 ? Self.unescape(fields[2]) : "")
    }

    static func state(_ text: String) -> FileState? {
        switch text {
        case "processed": .processed
        case "skipped": .skipped
        case "failed": .failures
        case "aborted": .aborted
        default: nil
        }
    }

    /// Undoes `\\`, `\t` and `\n`; any other backslash is kept as it is.
    static func unescape<Bytes: Collection<UInt8>>(_ field: Bytes) -> String {
        guard field.contains(0x5C) else { return String(decoding: field, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(field.count)
        var escaped = false
        for byte in field {
            if escaped {
                switch byte {
                case 0x5C: out.append(0x5C)
                case 0x74: out.append(0x09)
                case 0x6E: out.append(0x0A)
                default: out.append(contentsOf: [0x5C, byte])
                }
                escaped = false
            } else if byte == 0x5C {
                escaped = true
            } else {
                out.append(byte)
            }
        }
        if escaped { out.append(0x5C) }
        return String(decoding: out, as: UTF8.self)
    }

    static func quote(_ line: [UInt8]) -> String {
        let text = String(decoding: line.prefix(quoteLimit), as: UTF8.self)
        return String(reflecting: text) + (line.count > quoteLimit ? " (\(line.count) bytes, truncated)" : "")
    }
}

struct ToolLineError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Collects a command's whole stdout (listings, snapshot commands).
struct ByteCollector: ProcessOutputSink {
    private(set) var output: [UInt8] = []
    mutating func feed<Bytes: Collection<UInt8>>(_ bytes: Bytes) { output.append(contentsOf: bytes) }
    mutating func finish() {}
}
