import Shared

/// Which discovery a submission asked for (L10709): the key absent means the workflow's default,
/// an explicit `null` means none ("without any additional checks"), a name overrides the default.
public enum DiscoveryChoice: Sendable, Hashable {
    case workflowDefault
    case none
    case named(String)
}

/// A `POST /api/file/workflow/` body (L10597-10611, L10771-10777), parsed and type-checked but not
/// yet resolved against a workflow and the sites.
public struct SubmissionRequest: Sendable, Hashable {
    /// The workflow's `name`.
    public var workflow: String
    /// The paths to run on: strings, or `{"path": ..., "state": ...}` for state-based rules (L10606, L10675-10701).
    public var paths: [PathItem]
    public var site: String
    /// The queue for the workflow's tasks; nil means the workflow's preferred queue, else `default` (L10608).
    public var queue: String?
    /// Runtime field values as given (L10609).
    public var fields: [String: JSONValue]
    public var discovery: DiscoveryChoice
    /// An existing job to run within (L10611).
    public var job: Int?
    /// Runtime patterns: they replace every rule's own (L10777).
    public var include: [String]?
    public var exclude: [String]?
    /// Override every rule's `ignore_site_*` flag when given (L10773).
    public var ignoreSiteIncludes: Bool?
    public var ignoreSiteExcludes: Bool?
    /// Options for the discovery task, laid over the workflow's own (`skip_missing`, a policy's text...).
    public var discoveryOptions: [String: JSONValue]?

    public init(
        workflow: String, paths: [PathItem], site: String, queue: String? = nil, fields: [String: JSONValue] = [:],
        discovery: DiscoveryChoice = .workflowDefault, job: Int? = nil, include: [String]? = nil,
        exclude: [String]? = nil, ignoreSiteIncludes: Bool? = nil, ignoreSiteExcludes: Bool? = nil
    ) {
        self.workflow = workflow
        self.paths = paths
        self.site = site
        self.queue = queue
        self.fields = fields
        self.discovery = discovery
        self.job = job
        self.include = include
        self.exclude = exclude
        self.ignoreSiteIncludes = ignoreSiteIncludes
        self.ignoreSiteExcludes = ignoreSiteExcludes
        self.discoveryOptions = nil
    }

    /// Parses a submission whose paths are absolute local paths (the usual case).
    public static func parse(_ body: [String: JSONValue]) throws(WorkflowValidationError) -> SubmissionRequest {
        try parse(body, remoteObjectPaths: false)
    }

    /// Parses a submission. With `remoteObjectPaths` (see `WorkflowDefinition.takesRemoteObjectPaths`)
    /// paths may be relative object paths of an external target such as `projects/` (L12372).
    /// `fields` may be left out (treated as `{}`), although L10609 marks it required: a workflow
    /// without fields has nothing to put there.
    public static func parse(
        _ body: [String: JSONValue], remoteObjectPaths: Bool
    ) throws(WorkflowValidationError) -> SubmissionRequest {
        var errors = ValidationErrors()
        let reader = ObjectReader(body)
        let workflow = reader.string("workflow", required: true, errors: &errors)
        let site = reader.string("site", required: true, errors: &errors)
        let queue = reader.string("queue", required: false, errors: &errors)
        let paths = parsePaths(body["paths"], remoteObjectPaths: remoteObjectPaths, errors: &errors)
        let fields = reader.object("fields", errors: &errors) ?? [:]
        let discovery = parseDiscovery(body["discovery"], errors: &errors)
        let job = parseJob(body["job"], errors: &errors)
        let include = reader.stringList("include", errors: &errors)
        let exclude = reader.stringList("exclude", errors: &errors)
        let ignoreIncludes = reader.optionalBool("ignore_site_includes", errors: &errors)
        let ignoreExcludes = reader.optionalBool("ignore_site_excludes", errors: &errors)
        let discoveryOptions = reader.object("discovery_options", errors: &errors)
        try errors.check()
        guard let workflow, let site, let paths else {
            throw WorkflowValidationError(field: "non_field_errors", "Invalid submission.")
        }
        var request = SubmissionRequest(
            workflow: workflow, paths: paths, site: site, queue: queue, fields: fields, discovery: discovery, job: job,
            include: include, exclude: exclude, ignoreSiteIncludes: ignoreIncludes, ignoreSiteExcludes: ignoreExcludes)
        request.discoveryOptions = discoveryOptions
        return request
    }

    private static func parsePaths(
        _ value: JSONValue?, remoteObjectPaths: Bool, errors: inout ValidationErrors
    ) -> [PathItem]? {
        guard let value else {
            errors.add("paths", Message.required)
            return nil
        }
        guard case .array(let items) = value else {
            errors.add("paths", value == .null ? Message.null : Message.notList(value))
            return nil
        }
        if items.isEmpty {
            errors.add("paths", Message.emptyList)
            return nil
        }
        let before = errors.count
        var paths: [PathItem] = []
        for (index, item) in items.enumerated() {
            var state: String?
            let path: String
            switch item {
            case .string(let text):
                path = text
            case .object(let object):
                guard case .string(let text)? = object["path"] else {
                    errors.add("paths", "Item \(index): \"path\" is required and must be a string.")
                    continue
                }
                path = text
                switch object["state"] {
                case nil, .null?: break
                case .string(let text)?: state = text
                case _?: errors.add("paths", "Item \(index): \"state\" must be a string.")
                }
            default:
                errors.add("paths", "Item \(index): expected a path string or an object with \"path\" and \"state\".")
                continue
            }
            if let problem = pathProblem(path, remoteObjectPaths: remoteObjectPaths) {
                errors.add("paths", problem)
                continue
            }
            paths.append(PathItem(path: path, state: state))
        }
        return errors.count == before ? paths : nil
    }

    /// Why `path` cannot be handed to a task: it must name one place on the site, so no `..` that
    /// could climb out of a fileset and no NUL that would cut the path short in a C call.
    static func pathProblem(_ path: String, remoteObjectPaths: Bool) -> String? {
        if path.isEmpty { return "Paths may not be blank." }
        if path.unicodeScalars.contains("\0") {
            let shown = path.unicodeScalars.map { $0 == "\0" ? "\\0" : String($0) }.joined()
            return "Path '\(shown)' contains a NUL character."
        }
        if !remoteObjectPaths && !path.hasPrefix("/") { return "Path '\(path)' is not absolute." }
        if path.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
            return "Path '\(path)' may not contain '..'."
        }
        return nil
    }

    private static func parseDiscovery(_ value: JSONValue?, errors: inout ValidationErrors) -> DiscoveryChoice {
        switch value {
        case nil:
            return .workflowDefault
        case .null?:
            return .none
        case .string(let name)? where KnownTasks.discoveryTasks[name] != nil:
            return .named(name)
        case .string(let name)?:
            errors.add("discovery", Message.invalidDiscovery(name))
            return .workflowDefault
        case _?:
            errors.add("discovery", Message.notString)
            return .workflowDefault
        }
    }

    private static func parseJob(_ value: JSONValue?, errors: inout ValidationErrors) -> Int? {
        guard let value, value != .null else { return nil }
        guard case .int(let number) = value.normalisedInt, let id = Int(exactly: number) else {
            errors.add("job", Message.notInt)
            return nil
        }
        guard id > 0 else {
            errors.add("job", "Ensure this value is greater than or equal to 1.")
            return nil
        }
        return id
    }
}

extension JSONValue {
    /// `.int` for an integer or an integer string ("5"), the value unchanged otherwise.
    var normalisedInt: JSONValue {
        switch self {
        case .int: self
        case .string(let text): Int64(text).map(JSONValue.int) ?? self
        case .double(let number): Int64(exactly: number).map(JSONValue.int) ?? self
        default: self
        }
    }
}
