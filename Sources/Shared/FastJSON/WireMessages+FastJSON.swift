import Foundation

// The hand-written JSON forms of the per-task messages. Each writes its keys in byte order, as
// `WireCoding.encoder()` does, and reads what its `Codable` conformance reads: the same required keys,
// the same optional ones (absent or null), unknown keys skipped. The rare, heavy parts (inventory, sub-DAGs,
// heartbeats) go through `Codable`.

/// The fields every per-task message carries: wire version, task, attempt and job.
struct MessageHeader {
    let version: Int, taskID: String, attempt: Int, jobID: Int

    /// Reads a message object: the header's keys here, every other key through `field`.
    /// - Throws: when a header field is missing (`what` names the message), or what `field` throws.
    static func readMessage(
        from reader: inout JSONReader, what: String, _ field: (String, inout JSONReader) throws -> Void
    ) throws -> MessageHeader {
        var version: Int?, taskID: String?, attempt: Int?, jobID: Int?
        try reader.readObject { key, reader in
            switch key {
            case "v": version = try reader.readInt()
            case "task_id": taskID = try reader.readString()
            case "attempt": attempt = try reader.readInt()
            case "jobid": jobID = try reader.readInt()
            default: try field(key, &reader)
            }
        }
        guard let version, let taskID, let attempt, let jobID else {
            throw JSONReader.Failure("\(what) lacks its version, task, attempt or job")
        }
        return MessageHeader(version: version, taskID: taskID, attempt: attempt, jobID: jobID)
    }
}

extension FileDetail: FastJSONCodable {
    public init(json reader: inout JSONReader) throws {
        var path: String?
        var message: [String]?
        var size: Int64?
        try reader.readObject { key, reader in
            switch key {
            case "path": path = try reader.readString()
            case "message": message = try reader.readMessages()
            case "size": size = reader.readNull() ? nil : try reader.readInt64()
            default: try reader.skipValue()
            }
        }
        guard let path else { throw JSONReader.missing("path") }
        self.init(path: path, message: message, size: size)
    }

    public func write(json writer: inout JSONWriter) throws {
        writer.beginObject()
        if let message {
            writer.key("message")
            writer.strings(message)
        }
        writer.key("path")
        writer.string(path)
        if let size {
            writer.key("size")
            writer.int(size)
        }
        writer.endObject()
    }
}

extension PathItem: FastJSONCodable {
    /// In the order `init(json:)` switches on.
    private static let keys = JSONReader.Keys("path", "size", "state", "source", "message", "additional_metadata", "type")

    public init(json reader: inout JSONReader) throws {
        var path: String?
        var item = PathItem(path: "")
        try reader.readObject(Self.keys) { key, reader in
            switch key {
            case 0: path = try reader.readString()
            case 1: item.size = reader.readNull() ? nil : try reader.readInt64()
            case 2: item.state = reader.readNull() ? nil : try reader.readString()
            case 3: item.source = reader.readNull() ? nil : try reader.readString()
            case 4: item.message = try reader.readMessages()
            case 5: item.additionalMetadata = reader.readNull() ? nil : try reader.readJSONValue()
            case 6: item.type = reader.readNull() ? nil : try reader.readString()
            default: try reader.skipValue()
            }
        }
        guard let path else { throw JSONReader.missing("path") }
        item.path = path
        self = item
    }

    public func write(json writer: inout JSONWriter) throws {
        writer.beginObject()
        if let additionalMetadata {
            writer.key("additional_metadata")
            try additionalMetadata.write(json: &writer)
        }
        if let message {
            writer.key("message")
            writer.strings(message)
        }
        writer.key("path")
        writer.string(path)
        if let size {
            writer.key("size")
            writer.int(size)
        }
        if let source {
            writer.key("source")
            writer.string(source)
        }
        if let state {
            writer.key("state")
            writer.string(state)
        }
        if let type {
            writer.key("type")
            writer.string(type)
        }
        writer.endObject()
    }
}

extension TaskStatus: FastJSONCodable {
    public init(json reader: inout JSONReader) throws {
        var task: String?, inputPaths: [PathItem]?, inputTotal: Int?, started: Date?
        var summary: [String: Int]?, details: [String: [FileDetail]]?, allInputs: String?
        try reader.readObject { key, reader in
            switch key {
            case "task": task = try reader.readString()
            case "all_inputs": allInputs = reader.readNull() ? nil : try reader.readString()
            case "input_paths": inputPaths = try [PathItem](json: &reader)
            case "input_total": inputTotal = try reader.readInt()
            case "started": started = try reader.readDate()
            case "summary":
                var counts: [String: Int] = [:]
                try reader.readObject { state, reader in counts[state] = try reader.readInt() }
                summary = counts
            case "details":
                var files: [String: [FileDetail]] = [:]
                try reader.readObject { state, reader in files[state] = try [FileDetail](json: &reader) }
                details = files
            default: try reader.skipValue()
            }
        }
        guard let task else { throw JSONReader.missing("task") }
        guard let inputTotal else { throw JSONReader.missing("input_total") }
        guard let summary else { throw JSONReader.missing("summary") }
        guard let details else { throw JSONReader.missing("details") }
        guard let started else { throw JSONReader.missing("started") }
        self.init(
            task: task, inputPaths: inputPaths ?? [], inputTotal: inputTotal, summary: summary, details: details, started: started,
            allInputs: allInputs)
    }

    public func write(json writer: inout JSONWriter) throws {
        writer.beginObject()
        if let allInputs {
            writer.key("all_inputs")
            writer.string(allInputs)
        }
        writer.key("details")
        try writer.object(details) { writer, files in try files.write(json: &writer) }
        if !inputPaths.isEmpty {
            writer.key("input_paths")
            try inputPaths.write(json: &writer)
        }
        writer.key("input_total")
        writer.int(inputTotal)
        writer.key("started")
        writer.date(started)
        writer.key("summary")
        try writer.object(summary) { writer, count in writer.int(count) }
        writer.key("task")
        writer.string(task)
        writer.endObject()
    }
}

extension TaskResult: FastJSONCodable {
    public init(json reader: inout JSONReader) throws {
        var paths: [PathItem]?, status: TaskStatus?
        var willSpawnChildren: Bool?, logs: [String]?, error: String?, node: String?, discover: [String]?
        var inventory: SiteInventory?, output: JSONValue?, subdags: [SubDAG]?
        let header = try MessageHeader.readMessage(from: &reader, what: "a result") { key, reader in
            switch key {
            case "paths": paths = reader.readNull() ? nil : try [PathItem](json: &reader)
            case "status": status = try TaskStatus(json: &reader)
            case "will_spawn_children": willSpawnChildren = reader.readNull() ? nil : try reader.readBool()
            case "logs": logs = reader.readNull() ? nil : try reader.readStrings()
            case "error": error = reader.readNull() ? nil : try reader.readString()
            case "node": node = reader.readNull() ? nil : try reader.readString()
            case "discover": discover = reader.readNull() ? nil : try reader.readStrings()
            case "inventory": inventory = reader.readNull() ? nil : try reader.decoded(SiteInventory.self)
            case "output": output = reader.readNull() ? nil : try reader.readJSONValue()
            case "subdags": subdags = reader.readNull() ? nil : try reader.decoded([SubDAG].self)
            default: try reader.skipValue()
            }
        }
        guard let status else { throw JSONReader.missing("status") }
        self.init(
            taskID: header.taskID, attempt: header.attempt, jobID: header.jobID, paths: paths, status: status,
            willSpawnChildren: willSpawnChildren, logs: logs, error: error, node: node, discover: discover,
            inventory: inventory, output: output, subdags: subdags, version: header.version)
    }

    public func write(json writer: inout JSONWriter) throws {
        writer.beginObject()
        writer.key("attempt")
        writer.int(attempt)
        if let discover {
            writer.key("discover")
            writer.strings(discover)
        }
        if let error {
            writer.key("error")
            writer.string(error)
        }
        if let inventory {
            writer.key("inventory")
            try writer.encoded(inventory)
        }
        writer.key("jobid")
        writer.int(jobID)
        if let logs {
            writer.key("logs")
            writer.strings(logs)
        }
        if let node {
            writer.key("node")
            writer.string(node)
        }
        if let output {
            writer.key("output")
            try output.write(json: &writer)
        }
        if let paths {
            writer.key("paths")
            try paths.write(json: &writer)
        }
        writer.key("status")
        try status.write(json: &writer)
        if let subdags {
            writer.key("subdags")
            try writer.encoded(subdags)
        }
        writer.key("task_id")
        writer.string(taskID)
        writer.key("v")
        writer.int(version)
        if let willSpawnChildren {
            writer.key("will_spawn_children")
            writer.bool(willSpawnChildren)
        }
        writer.endObject()
    }
}

extension TaskStarted: FastJSONCodable {
    public init(json reader: inout JSONReader) throws {
        var node: String?, started: Date?
        let header = try MessageHeader.readMessage(from: &reader, what: "a started event") { key, reader in
            switch key {
            case "node": node = try reader.readString()
            case "started": started = try reader.readDate()
            default: try reader.skipValue()
            }
        }
        guard let node, let started else { throw JSONReader.Failure("a started event lacks a field") }
        self.init(
            taskID: header.taskID, attempt: header.attempt, jobID: header.jobID, node: node, started: started,
            version: header.version)
    }

    public func write(json writer: inout JSONWriter) throws {
        writer.beginObject()
        writer.key("attempt")
        writer.int(attempt)
        writer.key("jobid")
        writer.int(jobID)
        writer.key("node")
        writer.string(node)
        writer.key("started")
        writer.date(started)
        writer.key("task_id")
        writer.string(taskID)
        writer.key("v")
        writer.int(version)
        writer.endObject()
    }
}

extension FileOutcomeBatch: FastJSONCodable {
    public init(json reader: inout JSONReader) throws {
        var state: FileState?, files: [FileDetail]?
        let header = try MessageHeader.readMessage(from: &reader, what: "a progress batch") { key, reader in
            switch key {
            case "state": state = FileState(rawValue: try reader.readString())
            case "files": files = try [FileDetail](json: &reader)
            default: try reader.skipValue()
            }
        }
        guard let state, let files else { throw JSONReader.Failure("a progress batch lacks a field or has an unknown state") }
        self.init(
            taskID: header.taskID, attempt: header.attempt, jobID: header.jobID, state: state, files: files,
            version: header.version)
    }

    public func write(json writer: inout JSONWriter) throws {
        writer.beginObject()
        writer.key("attempt")
        writer.int(attempt)
        writer.key("files")
        try files.write(json: &writer)
        writer.key("jobid")
        writer.int(jobID)
        writer.key("state")
        writer.string(state.rawValue)
        writer.key("task_id")
        writer.string(taskID)
        writer.key("v")
        writer.int(version)
        writer.endObject()
    }
}

extension HubMessage: FastJSONCodable {
    public init(json reader: inout JSONReader) throws {
        // Keys come sorted, so `body` precedes `type`. The type is read from the end first, so the body is read
        // once (skipping it to find the type, then reading it, was a fifth of what decoding cost the hub).
        if let hint = reader.trailingString(forKey: "type").flatMap(Kind.init(rawValue:)) {
            var message: HubMessage?
            var typed = false
            try reader.readObject { key, reader in
                switch key {
                case "type":
                    guard try reader.readString() == hint.rawValue else { throw JSONReader.Failure("a message has two types") }
                    typed = true
                case "body" where message == nil: message = try Self.body(of: hint, from: &reader)
                default: try reader.skipValue()
                }
            }
            guard let message, typed else { throw JSONReader.Failure("a message lacks its type or body") }
            self = message
            return
        }
        var kind: Kind?
        // Remember where the body starts and read it once the type is known.
        var body: JSONReader?
        try reader.readObject { key, reader in
            switch key {
            case "type": kind = Kind(rawValue: try reader.readString())
            case "body":
                body = reader
                try reader.skipValue()
            default: try reader.skipValue()
            }
        }
        guard let kind, var body else { throw JSONReader.Failure("a message lacks its type or body") }
        self = try Self.body(of: kind, from: &body)
    }

    private static func body(of kind: Kind, from reader: inout JSONReader) throws -> HubMessage {
        switch kind {
        case .started: .started(try TaskStarted(json: &reader))
        case .progress: .progress(try FileOutcomeBatch(json: &reader))
        case .result: .result(try TaskResult(json: &reader))
        case .heartbeat: .heartbeat(try reader.decoded(Heartbeat.self))
        }
    }

    public func write(json writer: inout JSONWriter) throws {
        writer.beginObject()
        writer.key("body")
        switch self {
        case .started(let event): try event.write(json: &writer)
        case .progress(let batch): try batch.write(json: &writer)
        case .result(let result): try result.write(json: &writer)
        case .heartbeat(let heartbeat): try writer.encoded(heartbeat)
        }
        writer.key("type")
        writer.string(kind.rawValue)
        writer.endObject()
    }
}

extension TaskEnvelope: FastJSONDecodable {
    public init(json reader: inout JSONReader) throws {
        var task: String?, queue: QueueName?
        var kwargs: [String: JSONValue] = [:], paths: [PathItem] = [], streamResults = false, enqueuedAt: Date?
        let header = try MessageHeader.readMessage(from: &reader, what: "an envelope") { key, reader in
            switch key {
            case "task": task = try reader.readString()
            case "queue": queue = try QueueName(parsing: try reader.readString())
            case "kwargs":
                if !reader.readNull() {
                    guard case .object(let object) = try reader.readJSONValue() else { throw JSONReader.Failure("kwargs") }
                    kwargs = object
                }
            case "paths": paths = reader.readNull() ? [] : try [PathItem](json: &reader)
            case "stream_results": streamResults = reader.readNull() ? false : try reader.readBool()
            case "enqueued_at": enqueuedAt = try reader.readDate()
            default: try reader.skipValue()
            }
        }
        // A newer version, or anything missing, is left to `Codable` and its error.
        guard header.version <= WireVersion.current, let task, let queue, let enqueuedAt else {
            throw JSONReader.Failure("an envelope lacks a field or is of a newer version")
        }
        self.init(
            taskID: header.taskID, attempt: header.attempt, jobID: header.jobID, task: task, queue: queue, kwargs: kwargs,
            paths: paths, streamResults: streamResults, enqueuedAt: enqueuedAt, version: header.version)
    }
}

extension TaskEnvelope {
    /// The envelope's JSON, as the encoder writes it, from parts the hub holds when it creates the task:
    /// `kwargs` and `paths` already encoded (it stores them so), so sending a task costs no re-encoding.
    public static func json(
        taskID: String, attempt: Int, jobID: Int64, task: String, queue: String, kwargs: [UInt8], paths: [UInt8],
        streamResults: Bool = false, enqueuedAt: String
    ) -> [UInt8] {
        var writer = JSONWriter(capacity: 192 + kwargs.count + paths.count)
        writer.beginObject()
        writer.key("attempt")
        writer.int(attempt)
        writer.key("enqueued_at")
        writer.string(enqueuedAt)
        writer.key("jobid")
        writer.int(jobID)
        writer.key("kwargs")
        writer.raw(kwargs)
        writer.key("paths")
        writer.raw(paths)
        writer.key("queue")
        writer.string(queue)
        writer.key("stream_results")
        writer.bool(streamResults)
        writer.key("task")
        writer.string(task)
        writer.key("task_id")
        writer.string(taskID)
        writer.key("v")
        writer.int(WireVersion.current)
        writer.endObject()
        return writer.bytes
    }
}
