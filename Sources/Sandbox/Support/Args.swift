/// One accepted option: its spellings and whether it takes a value.
struct OptionSpec {
    let names: [String]
    let takesValue: Bool
    /// The name under which the parsed value is stored (the first spelling).
    var key: String { names[0] }

    static func flag(_ names: String...) -> OptionSpec { OptionSpec(names: names, takesValue: false) }
    static func value(_ names: String...) -> OptionSpec { OptionSpec(names: names, takesValue: true) }
}

/// The result of parsing: flags seen, option values (in order, options may repeat) and positional arguments.
struct ParsedArgs {
    var flags: Set<String> = []
    var values: [String: [String]] = [:]
    var positionals: [String] = []
    var helpRequested = false

    func flag(_ key: String) -> Bool { flags.contains(key) }
    func value(_ key: String) -> String? { values[key]?.last }
    func allValues(_ key: String) -> [String] { values[key] ?? [] }

    /// An integer option (decimal, with an optional K/M/G/T binary suffix), or a usage error naming it.
    func size(_ key: String) throws(SimError) -> Int64? {
        guard let text = value(key) else { return nil }
        guard let n = Sizes.parse(text), n >= 0 else {
            throw SimError.usage("option '\(key)' needs a non-negative number of bytes, got '\(text)'")
        }
        return n
    }
}

/// A hand-written parser (no Foundation, no ArgumentParser: start-up time matters).
/// Options and positionals may be interleaved; `--` ends the options; `--name=value` and `--name value`
/// are both accepted; a lone `-` is a positional.
enum ArgParser {
    static func parse(_ args: [String], _ specs: [OptionSpec]) throws(SimError) -> ParsedArgs {
        var byName: [String: OptionSpec] = [:]
        for spec in specs { for name in spec.names { byName[name] = spec } }
        var result = ParsedArgs()
        var i = 0
        var optionsEnded = false
        while i < args.count {
            let arg = args[i]
            i += 1
            if optionsEnded || arg == "-" || !arg.hasPrefix("-") {
                result.positionals.append(arg)
                continue
            }
            if arg == "--" { optionsEnded = true; continue }
            if arg == "--help" || arg == "-h" { result.helpRequested = true; continue }
            var name = arg
            var inlineValue: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                inlineValue = String(arg[arg.index(after: eq)...])
            }
            guard let spec = byName[name] else { throw SimError.usage("unknown option '\(name)'") }
            if spec.takesValue {
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard i < args.count else { throw SimError.usage("option '\(name)' needs a value") }
                    value = args[i]
                    i += 1
                }
                result.values[spec.key, default: []].append(value)
            } else {
                if inlineValue != nil { throw SimError.usage("option '\(name)' takes no value") }
                result.flags.insert(spec.key)
            }
        }
        return result
    }
}

enum Sizes {
    /// "1024", "4K", "10M", "2G", "1T" (binary multiples, case-insensitive, optional trailing "B").
    static func parse(_ text: String) -> Int64? {
        var s = Substring(text.trimmingSpaces())
        if s.isEmpty { return nil }
        if s.count > 1, let last = s.last, last == "B" || last == "b" { s = s.dropLast() }
        var multiplier: Int64 = 1
        if let last = s.last {
            switch last {
            case "K", "k": multiplier = 1 << 10
            case "M", "m": multiplier = 1 << 20
            case "G", "g": multiplier = 1 << 30
            case "T", "t": multiplier = 1 << 40
            case "P", "p": multiplier = 1 << 50
            default: break
            }
            if multiplier != 1 { s = s.dropLast() }
        }
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(s) else { return nil }
        let (product, overflow) = n.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs, CR and LF.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
