import Glibc

/// One input path of a per-file tool, with its site.
struct BatchItem {
    /// The path exactly as given: echoed in the output line.
    let input: String
    let absolute: String
    let site: SiteConfig
}

/// The common frame of ngmigrate, ngrecall and ngunmanage: gather paths, resolve sites before doing
/// anything (exit 3), then one output line per path in input order, flushed as each file completes.
enum Batch {
    static let listOptions: [OptionSpec] = [.value("--list"), .value("--list0")]

    /// Positional paths, then the lines of `--list FILE` (newline-separated, empty lines ignored),
    /// then the entries of `--list0 FILE` (NUL-separated, for names containing newlines).
    static func inputPaths(_ args: ParsedArgs) throws(SimError) -> [String] {
        var paths = args.positionals
        for file in args.allValues("--list") {
            paths += try readList(file, separator: 0x0A)
        }
        for file in args.allValues("--list0") {
            paths += try readList(file, separator: 0)
        }
        if paths.isEmpty { throw SimError.usage("no paths given") }
        if paths.contains(where: { $0.isEmpty }) { throw SimError.usage("empty path argument") }
        return paths
    }

    private static func readList(_ file: String, separator: UInt8) throws(SimError) -> [String] {
        let bytes: [UInt8]
        do { bytes = try Posix.readFile(file) } catch { throw SimError.usage("cannot read path list: \(error.message)") }
        return bytes.split(separator: separator, omittingEmptySubsequences: true).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Finds the site of every path; a path without a site is an environment error before any work.
    static func resolve(_ inputs: [String]) throws(SimError) -> [BatchItem] {
        var locator = try SiteLocator()
        var items: [BatchItem] = []
        items.reserveCapacity(inputs.count)
        for input in inputs {
            let absolute = locator.absolute(input)
            guard let site = try locator.site(for: absolute) else {
                throw SimError.environment("no ngsim site found for \(input): set NGSIM_SITE or keep the path inside a site directory (with \(SiteConfig.fileName))")
            }
            items.append(BatchItem(input: input, absolute: absolute, site: site))
        }
        return items
    }

    /// Checks that every site involved knows `endpoint` (or has a default target when `endpoint` is nil
    /// and one is needed).
    static func checkTargets(_ items: [BatchItem], endpoint: String?, needDefault: Bool) throws(SimError) {
        var seen: Set<String> = []
        for item in items where seen.insert(item.site.directory).inserted {
            if let endpoint {
                if item.site.target(named: endpoint) == nil {
                    let known = item.site.targets.map(\.name).joined(separator: ", ")
                    throw SimError.environment("unknown target '\(endpoint)' in site \(item.site.name) (known: \(known.isEmpty ? "none" : known))")
                }
            } else if needDefault && item.site.defaultTarget == nil {
                throw SimError.environment("site \(item.site.name) has no target: add a [target NAME] section")
            }
        }
    }

    /// Runs `body` for each item, after the fault injection; returns the exit code.
    static func run(_ items: [BatchItem], faults: FaultInjection, _ body: (BatchItem) -> Outcome) -> Int32 {
        var anyError = false
        for item in items {
            let outcome = faults.apply(to: item.absolute) ?? body(item)
            if outcome.isError { anyError = true }
            Output.fileLine(outcome, path: item.input)
        }
        return anyError ? ExitCode.fileErrors : ExitCode.ok
    }

    static let lockLevels: Set<String> = ["partial", "implicit", "none"]

    static func lockLevel(_ args: ParsedArgs, default level: String) throws(SimError) -> String {
        let value = args.value("--lock-level") ?? level
        guard lockLevels.contains(value) else { throw SimError.usage("--lock-level must be partial, implicit or none, got '\(value)'") }
        return value
    }

    /// Takes an exclusive, non-blocking flock for the lock levels that lock; another ngsim holding the
    /// file makes this file fail instead of racing with it.
    static func lock(_ fd: Int32, level: String) throws(FileError) {
        guard level != "none" else { return }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            if e == EWOULDBLOCK { throw FileError("file is locked by another process") }
            throw FileError("flock: \(errnoText(e))")
        }
    }

    /// The outcome for a path that lstat could not reach (errno `errorCode`).
    static func missingOutcome(_ errorCode: Int32, abortMissing: Bool = false) -> Outcome {
        if errorCode == ENOENT || errorCode == ENOTDIR {
            let text = errnoText(ENOENT)
            return abortMissing ? .aborted(text) : .failed(text)
        }
        return .failed(errnoText(errorCode))
    }
}
