import Foundation
import Glibc
import Shared

/// `dynamo.tasks.policy_scan`: the discovery of a policy run (docs/policies.md).
///
/// kwargs: `policy` (the compiled GPFS policy text, required), `directories` (absolute directories to
/// scan; default: the task's paths) and `threads` (`mmapplypolicy -m`, default 1).
///
/// The policy goes to a private temporary file and the site's `mmapplypolicy` runs once, over the
/// deepest directory holding all `directories` (a THRESHOLD must see every candidate of a pool in one
/// evaluation), in defer mode: `-I defer -f <prefix>` only writes the chosen files to
/// `<prefix>.list.<pool>` (migrate) and `<prefix>.premigrate.<pool>` (pre-migrate). Nothing is migrated
/// here: the files come back as discovered items (type `file`, `size`, and `additional_metadata`
/// `{"policy_action": "migrate"|"premigrate", "policy_pool": <pool>}`) and the workflow's own steps
/// move them. Moves between internal pools are GPFS's own: defer mode assigns the files to the new
/// pool and leaves the data movement to the next restripe.
///
/// A non-zero exit (bad policy, unknown pool, no such directory) fails the task with mmapplypolicy's
/// stderr.
struct PolicyScanTask: WorkerTask {
    static let name = "dynamo.tasks.policy_scan"
    static let tool = "mmapplypolicy"
    let runner: ToolRunner

    func run(_ envelope: TaskEnvelope, started: Date) async throws -> TaskOutcome {
        let arguments = TaskArguments(envelope.kwargs)
        guard let policy = try arguments.string("policy"), policy.contains(where: { !$0.isWhitespace }) else {
            throw TaskFailure("kwarg 'policy' (the compiled policy text) is required")
        }
        let given = try arguments.stringList("directories") ?? envelope.paths.map(\.path)
        let directories = given.map(PathText.normalized)
        guard !directories.isEmpty else { throw TaskFailure("no directories to scan: give kwarg 'directories' or paths") }
        if let relative = directories.first(where: { !$0.hasPrefix("/") }) {
            throw TaskFailure("directories to scan must be absolute, got '\(relative)'")
        }
        let threads = try arguments.int("threads", range: 1...4096) ?? 1
        // Which lists to pass on: the hub runs the migrate and the premigrate selections as two runs.
        let actions = Set(try arguments.stringList("actions") ?? ["migrate", "premigrate"])
        let root = PolicyScanLists.commonDirectory(directories)

        let directory = runner.settings.temporaryDirectory
        let scratch = try await OffPool.run("policy-scan-files") { try PolicyScratch.create(in: directory, policy: policy) }
        defer { scratch.remove() }
        let argv = [root, "-P", scratch.policyFile, "-I", "defer", "-f", scratch.prefix, "-s", scratch.directory, "-m", String(threads)]
        let result = try await runner.runCommand(tool: Self.tool, arguments: argv)
        guard result.status == 0 else {
            let stderr = ToolRunner.quote(result.stderr, truncated: false)
            throw TaskFailure("\(Self.tool) \(root) exited with status \(result.status)\(stderr.map { ": \($0)" } ?? " and no message")")
        }
        let percentEncoded = policy.contains("ESCAPE '%")
        let (listed, found) = try await OffPool.run("policy-scan-lists") {
            try PolicyScanLists.read(scratch, percentEncoded: percentEncoded, within: directories)
        }
        let items = listed.filter { item in
            guard case .object(let metadata)? = item.additionalMetadata, case .string(let action)? = metadata["policy_action"] else { return true }
            return actions.contains(action)
        }
        let logs = ["\(Self.tool) \(root) (threads \(threads)): \(items.count) files chosen"] + found + PolicyScanLists.summary(result.text)
        var status = TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started)
        status.summary[FileState.processed.rawValue] = items.count
        return TaskOutcome(status: status, logs: logs, explicitPassedOn: items)
    }
}

/// A private (0700) directory holding the policy file (0600) and the lists mmapplypolicy writes.
struct PolicyScratch: Sendable {
    let directory: String
    var policyFile: String { directory + "/policy.pol" }
    var prefix: String { directory + "/chosen" }

    static func create(in parent: String, policy: String) throws(TaskFailure) -> PolicyScratch {
        var template = Array(((parent.hasSuffix("/") ? parent : parent + "/") + "ngenea-worker-policy.XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } != nil }
        guard made else { throw TaskFailure("cannot create a temporary directory in \(parent): \(String(cString: strerror(errno)))") }
        let scratch = PolicyScratch(directory: template.withUnsafeBufferPointer { buffer in buffer.baseAddress.map { String(cString: $0) } ?? "" })
        let fd = open(scratch.policyFile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            scratch.remove()
            throw TaskFailure("cannot write the policy file \(scratch.policyFile): \(reason)")
        }
        defer { close(fd) }
        let bytes = Array(policy.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw in write(fd, raw.baseAddress.map { $0 + written }, bytes.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let reason = String(cString: strerror(errno))
                scratch.remove()
                throw TaskFailure("cannot write the policy file \(scratch.policyFile): \(reason)")
            }
            written += count
        }
        return scratch
    }

    /// Removes the directory and everything mmapplypolicy left in it.
    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

/// Reading mmapplypolicy's file lists: `inode generation snapid  SHOW -- path` per line.
enum PolicyScanLists {
    /// The deepest directory containing every one of `directories` (all absolute and normalized).
    static func commonDirectory(_ directories: [String]) -> String {
        let split = directories.map { $0.split(separator: "/", omittingEmptySubsequences: true) }
        guard var common = split.first else { return "/" }
        for parts in split.dropFirst() {
            common = Array(zip(common, parts).prefix { $0 == $1 }.map(\.0))
        }
        return "/" + common.joined(separator: "/")
    }

    /// The chosen files of every list in the scratch directory: migrate lists first, then pre-migrate
    /// ones, each by pool name, in the list's (WEIGHT) order; paths outside `directories` are dropped.
    static func read(_ scratch: PolicyScratch, percentEncoded: Bool, within directories: [String]) throws(TaskFailure) -> ([PathItem], [String]) {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: scratch.directory).sorted() } catch {
            throw TaskFailure("cannot read the lists in \(scratch.directory): \(error)")
        }
        let base = PathText.name(of: scratch.prefix)
        var items: [PathItem] = []
        var logs: [String] = []
        var seen: Set<String> = []
        for (marker, action) in [(".list.", "migrate"), (".premigrate.", "premigrate")] {
            for name in names where name.hasPrefix(base + marker) {
                let pool = String(name.dropFirst(base.count + marker.count))
                guard let data = FileManager.default.contents(atPath: scratch.directory + "/" + name) else {
                    throw TaskFailure("cannot read the list \(name) written by mmapplypolicy")
                }
                for line in data.split(separator: 0x0A) where !line.isEmpty {
                    guard let entry = entry(Array(line), percentEncoded: percentEncoded) else {
                        throw TaskFailure("mmapplypolicy wrote an unexpected list line: \(ToolOutputDecoder.quote(Array(line)))")
                    }
                    guard directories.contains(where: { entry.path == $0 || entry.path.hasPrefix($0 == "/" ? "/" : $0 + "/") }) else {
                        logs.append("ignored \(entry.path): outside the directories scanned")
                        continue
                    }
                    guard seen.insert(entry.path).inserted else { continue }
                    let metadata: JSONValue = .object(["policy_action": .string(action), "policy_pool": .string(pool)])
                    // The size comes from the list's SHOW(VARCHAR(FILE_SIZE)); a list without it costs a stat.
                    let size = entry.size ?? (try? FileSystemCalls.lstatInfo(entry.path))?.size
                    items.append(PathItem(path: entry.path, size: size, additionalMetadata: metadata, type: "file"))
                }
            }
        }
        return (items, logs)
    }

    /// One list line; the SHOW part is the file size when it is a number.
    static func entry(_ line: [UInt8], percentEncoded: Bool) -> (path: String, size: Int64?)? {
        let separator: [UInt8] = Array(" -- ".utf8)
        guard let cut = line.firstRange(of: separator) else { return nil }
        let head = line[..<cut.lowerBound].split(separator: 0x20)
        guard head.count >= 3 else { return nil }
        let show = head.dropFirst(3).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
        let raw = Array(line[cut.upperBound...])
        let path = percentEncoded ? percentDecoded(raw) : backslashDecoded(raw)
        guard let path, path.hasPrefix("/") else { return nil }
        return (path, Int64(show))
    }

    /// RFC 3986 `%XX` decoding (ESCAPE '%...' lists); nil for a malformed escape or invalid UTF-8.
    static func percentDecoded(_ bytes: [UInt8]) -> String? {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x25 {
                guard index + 2 < bytes.count, let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2]) else { return nil }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    /// Lists without ESCAPE: `\\` and `\n` stand for a backslash and a newline.
    static func backslashDecoded(_ bytes: [UInt8]) -> String? {
        var out: [UInt8] = []
        var escaped = false
        for byte in bytes {
            if escaped {
                out.append(byte == UInt8(ascii: "n") ? 0x0A : byte)
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else {
                out.append(byte)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// The lines of mmapplypolicy's report worth keeping in the task's logs (bounded).
    static func summary(_ stdout: String) -> [String] {
        let lines = stdout.split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return Array(lines.prefix(40))
    }
}
