import Shared

/// One step with everything decided: the task, where it runs, and its kwargs after `*field` substitution.
public struct ResolvedStep: Sendable, Hashable, Codable {
    public var task: String
    public var site: String
    public var queue: String
    public var kwargs: [String: JSONValue]

    public init(task: String, site: String, queue: String, kwargs: [String: JSONValue]) {
        self.task = task
        self.site = site
        self.queue = queue
        self.kwargs = kwargs
    }

    /// The worker function that runs it: plugins on `custom`, everything else on `worker` (L9926-9964).
    public var function: QueueName.Function {
        KnownTasks.isPlugin(task) ? .custom : .worker
    }
}

/// A filter rule with its effective patterns (runtime ?? rule, plus the source site's) and resolved steps.
public struct ResolvedRule: Sendable, Hashable, Codable {
    public var state: String
    public var type: String
    public var include: [String]
    public var exclude: [String]
    public var steps: [ResolvedStep]

    public init(state: String, type: String, include: [String] = [], exclude: [String] = [], steps: [ResolvedStep]) {
        self.state = state
        self.type = FilterRule.normalisedType(type)
        self.include = include
        self.exclude = exclude
        self.steps = steps
    }
}

/// A submission resolved against its workflow and the hub: what the job will run.
public struct ResolvedWorkflow: Sendable, Hashable, Codable {
    public var workflow: String
    /// The discovery's name (`recursive`, ...), nil for none.
    public var discovery: String?
    /// The discovery task that implements it (`dynamo.tasks.recursive_navigate`, ...).
    public var discoveryTask: String?
    /// The workflow's discovery options, only when its default discovery is the one used (L10751).
    public var discoveryOptions: [String: JSONValue]
    /// Effective field values: given, else default. Fields with neither are absent.
    public var fields: [String: JSONValue]
    public var rules: [ResolvedRule]

    public init(
        workflow: String, discovery: String?, discoveryTask: String?, discoveryOptions: [String: JSONValue],
        fields: [String: JSONValue], rules: [ResolvedRule]
    ) {
        self.workflow = workflow
        self.discovery = discovery
        self.discoveryTask = discoveryTask
        self.discoveryOptions = discoveryOptions
        self.fields = fields
        self.rules = rules
    }
}
