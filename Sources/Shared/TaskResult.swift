import Foundation

/// One file in a result's `details`: `{"path": ..., "message": ["reason"]}` (manual L9189-9216).
public struct FileDetail: Sendable, Hashable, Codable {
    public var path: String
    public var message: [String]?
    /// Size in bytes when the task knows it (lets the hub account bytes without a second stat).
    public var size: Int64?

    public init(path: String, message: [String]? = nil, size: Int64? = nil) {
        self.path = path
        self.message = message
        self.size = size
    }

    enum CodingKeys: String, CodingKey { case path, message, size }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        message = try c.decodeMessages(forKey: .message)
        size = try c.decodeIfPresent(Int64.self, forKey: .size)
    }
}

/// The `status` object of a result (manual L9165-9183).
public struct TaskStatus: Sendable, Hashable, Codable {
    /// Task name.
    public var task: String
    /// The task's input. Workers of this version leave it out of results (the hub stored the input it
    /// sent, and `input_total` still counts it): echoing every path back cost both sides about a tenth of
    /// their CPU on large jobs. Older workers send it; either way the hub reads the stored input.
    public var inputPaths: [PathItem]
    public var inputTotal: Int
    /// Count of files per state; keys are `FileState` raw values.
    public var summary: [String: Int]
    /// Files per state; keys are `FileState` raw values.
    public var details: [String: [FileDetail]]
    /// When the task started. The manual's example has no offset; both forms are accepted.
    public var started: Date
    /// Set when every input item ended in this state (a `FileState` raw value), as the input lists it
    /// (same path and size, in order, no message): `details` then leaves them out, and the hub records
    /// the outcome as "the task's input, all in this state" (`compact(inputs:)`). The common result of a
    /// batch that went well no longer spells out its files twice on their way back.
    public var allInputs: String?

    public init(
        task: String, inputPaths: [PathItem], inputTotal: Int? = nil, summary: [String: Int] = [:],
        details: [String: [FileDetail]] = [:], started: Date, allInputs: String? = nil
    ) {
        self.task = task
        self.inputPaths = inputPaths
        self.inputTotal = inputTotal ?? inputPaths.count
        self.summary = summary
        self.details = details
        self.started = started
        self.allInputs = allInputs
    }

    /// Leaves the files out of `details` when they are exactly `inputs`, all in one state without a
    /// message (see `allInputs`). Anything else (a failure, a message, a size the task measured
    /// differently, a file not in the input, a path listed twice, a summary that counts more) keeps the
    /// details as they are.
    public mutating func compact(inputs: [PathItem]) {
        guard allInputs == nil, !inputs.isEmpty, inputTotal == inputs.count else { return }
        let listed = details.filter { !$0.value.isEmpty }
        guard listed.count == 1, let (state, files) = listed.first, files.count == inputs.count,
            summary.filter({ $0.value != 0 }) == [state: inputs.count]
        else { return }
        // Byte for byte (String's == would take another normalisation of a path as the same path), and
        // each path once: the hub reads the files back from the input, one per input item.
        var seen = Set<String>(minimumCapacity: inputs.count)
        for (file, input) in zip(files, inputs) {
            guard file.message == nil, file.size == input.size, Self.sameBytes(file.path, input.path),
                seen.insert(input.path).inserted
            else { return }
        }
        allInputs = state
        details = [:]
    }

    /// Whether two strings are the same UTF-8 bytes (compared in place: the generic `elementsEqual` over
    /// the views was a tenth of a worker's CPU on the 40-file benchmark).
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                guard x.count == y.count else { return false }
                guard let p = x.baseAddress, let q = y.baseAddress else { return true }
                return memcmp(p, q, x.count) == 0
            }
        }
    }

    /// How many paths `passedOn(from:)` gives, without the inputs.
    public var passedOnCount: Int {
        if passesOnAllInputs { return inputTotal }
        return files(in: .processed).count + files(in: .skipped).count
    }

    /// Whether every input went on (all processed or all skipped, `allInputs`).
    private var passesOnAllInputs: Bool {
        allInputs == FileState.processed.rawValue || allInputs == FileState.skipped.rawValue
    }

    /// `details` with the files `allInputs` left out listed again, for a reader that needs them spelled out.
    public func expandedDetails(inputs: [PathItem]) -> [String: [FileDetail]] {
        guard let allInputs else { return details }
        var all = details
        all[allInputs, default: []] += inputs.map { FileDetail(path: $0.path, size: $0.size) }
        return all
    }

    /// Records one file's outcome in `details` and `summary`.
    public mutating func add(_ state: FileState, _ detail: FileDetail) {
        details[state.rawValue, default: []].append(detail)
        summary[state.rawValue, default: 0] += 1
    }

    /// The files recorded in `state`.
    public func files(in state: FileState) -> [FileDetail] { details[state.rawValue] ?? [] }

    /// The files the next step of the chain receives by default: processed, then skipped ones (manual
    /// L9221-9231), each as its item in `inputs` (keeping what discovery said of it) or, for a file that
    /// was not in the input, its path and size. The hub derives a result's default `paths` with this.
    public func passedOn(from inputs: [PathItem]) -> [PathItem] {
        if passesOnAllInputs { return inputs }
        let passed = files(in: .processed) + files(in: .skipped)
        guard !passed.isEmpty else { return [] }
        let byPath = Dictionary(inputs.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        return passed.map { detail in byPath[detail.path] ?? PathItem(path: detail.path, size: detail.size) }
    }

    enum CodingKeys: String, CodingKey {
        case task
        case inputPaths = "input_paths"
        case inputTotal = "input_total"
        case summary, details, started
        case allInputs = "all_inputs"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        task = try c.decode(String.self, forKey: .task)
        inputPaths = try c.decodeIfPresent([PathItem].self, forKey: .inputPaths) ?? []
        inputTotal = try c.decode(Int.self, forKey: .inputTotal)
        summary = try c.decode([String: Int].self, forKey: .summary)
        details = try c.decode([String: [FileDetail]].self, forKey: .details)
        started = try c.decode(Date.self, forKey: .started)
        allInputs = try c.decodeIfPresent(String.self, forKey: .allInputs)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(task, forKey: .task)
        if !inputPaths.isEmpty { try c.encode(inputPaths, forKey: .inputPaths) }
        try c.encode(inputTotal, forKey: .inputTotal)
        try c.encode(summary, forKey: .summary)
        try c.encode(details, forKey: .details)
        try c.encode(started, forKey: .started)
        try c.encodeIfPresent(allInputs, forKey: .allInputs)
    }
}

/// What a worker returns for a task: `{jobid, paths, status{...}}` (manual L9165-9183), plus the fields
/// this implementation needs for exactly-once commit (task id, attempt) and a task-level error.
public struct TaskResult: Sendable, Hashable, Codable {
    public var version: Int
    public var taskID: String
    /// The delivery attempt that produced this result; the hub drops results of superseded attempts.
    public var attempt: Int
    public var jobID: Int
    /// The paths handed to the next step when the task chose them (discovery: the items it found). Nil
    /// means the default, `status.passedOn(from:)` the task's input: the hub derives it from the input
    /// it stored, and only where it needs it (a chain that goes on, a discovery, a sub-DAG node).
    public var paths: [PathItem]?
    public var status: TaskStatus
    /// Set when the task spawned child tasks whose completion the job must wait for (manual L9363).
    public var willSpawnChildren: Bool?
    /// Log lines the task attached (`status.add_log`).
    public var logs: [String]?
    /// Set when the task itself failed (crash, timeout, unknown task, bad arguments) rather than a file.
    public var error: String?
    /// The node that ran the task.
    public var node: String?
    /// Discovery only: directories whose contents the hub should discover with child tasks of the same
    /// discovery (recursive_navigate spawns one per non-empty directory, L12196). The items found so far are
    /// in `paths`, each with its `type`.
    public var discover: [String]?
    /// `dynamo.tasks.site_inventory` only: what the site has (filesystems, filesets, pools, servers).
    public var inventory: SiteInventory?
    /// Free-form output of tasks whose result is not files (the settings tasks' `{value, status, apply_output}`).
    public var output: JSONValue?
    /// Sub-DAGs the task submitted (manual L9709-9785): created in the parent job in the same transaction
    /// that applies this result, so they exist exactly once and the job cannot finish before them.
    public var subdags: [SubDAG]?

    public init(
        taskID: String, attempt: Int, jobID: Int, paths: [PathItem]?, status: TaskStatus,
        willSpawnChildren: Bool? = nil, logs: [String]? = nil, error: String? = nil, node: String? = nil,
        discover: [String]? = nil, inventory: SiteInventory? = nil, output: JSONValue? = nil, subdags: [SubDAG]? = nil,
        version: Int = WireVersion.current
    ) {
        self.version = version
        self.taskID = taskID
        self.attempt = attempt
        self.jobID = jobID
        self.paths = paths
        self.status = status
        self.willSpawnChildren = willSpawnChildren
        self.logs = logs
        self.error = error
        self.node = node
        self.discover = discover
        self.inventory = inventory
        self.output = output
        self.subdags = subdags
    }

    enum CodingKeys: String, CodingKey {
        case version = "v"
        case taskID = "task_id"
        case attempt
        case jobID = "jobid"
        case paths, status
        case willSpawnChildren = "will_spawn_children"
        case logs, error, node, discover, inventory, output, subdags
    }
}
