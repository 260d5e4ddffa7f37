import Shared

/// Resolves a submission against its workflow and the hub (spec/03 §17.2): field values and `*field`
/// substitution, discovery, each step's site and queue, and each rule's effective patterns.
public enum SubmissionResolver {
    public static func resolve(
        _ request: SubmissionRequest, definition: WorkflowDefinition, context: SubmissionContext
    ) throws(WorkflowValidationError) -> ResolvedWorkflow {
        var errors = ValidationErrors()
        if !definition.enabled {
            errors.add("workflow", "Workflow '\(definition.name)' is disabled.")
        }
        if definition.scheduleOnly && !context.fromSchedule {
            errors.add("workflow", "Workflow '\(definition.name)' can only be run from a schedule.")
        }
        if !context.sites.contains(request.site) {
            errors.add("site", "Unknown site '\(request.site)'.")
        } else if let queue = request.queue, !context.accepts(queue: queue, on: request.site) {
            errors.add("queue", "Queue '\(queue)' does not exist on site '\(request.site)'.")
        }

        let (values, invalid) = SubmissionFieldValues.resolve(
            request, definition: definition, context: context, errors: &errors)

        let discovery: String? =
            switch request.discovery {
            case .workflowDefault: definition.discovery
            case .none: nil
            case .named(let name): name
            }
        // State-carrying paths are for runs without discovery (L10642): discovery assigns its own states.
        if discovery != nil && request.paths.contains(where: { $0.state != nil }) {
            errors.add("paths", "Paths with a state can only be submitted without discovery (\"discovery\": null).")
        }

        var substitution = StepSubstitution(
            request: request, definition: definition, context: context, values: values, invalid: invalid)
        let patterns = context.sitePatterns[request.site] ?? SitePatterns()
        var rules: [ResolvedRule] = []
        for rule in definition.filterRules {
            let ignoreIncludes = request.ignoreSiteIncludes ?? rule.ignoreSiteIncludes
            let ignoreExcludes = request.ignoreSiteExcludes ?? rule.ignoreSiteExcludes
            // Runtime patterns replace the rule's; the site's are appended unless ignored (L10769-10777).
            let include = (request.include ?? rule.include ?? []) + (ignoreIncludes ? [] : patterns.include)
            let exclude = (request.exclude ?? rule.exclude ?? []) + (ignoreExcludes ? [] : patterns.exclude)
            let steps = rule.action.compactMap { substitution.resolve($0) }
            rules.append(ResolvedRule(state: rule.state, type: rule.type, include: include, exclude: exclude, steps: steps))
        }
        errors.merge(substitution.errors)
        try errors.check()

        // The policy discovery runs a policy file, which can name programs for mmapplypolicy to execute:
        // only the hub submits it (PolicyRunner), whatever the request or the workflow says.
        if discovery == KnownTasks.policyDiscovery && !context.fromPolicy {
            errors.add("discovery", "The policy discovery is run by policies only (see /api/policies/).")
            try errors.check()
        }
        let usesDefault = discovery != nil && discovery == definition.discovery
        return ResolvedWorkflow(
            workflow: definition.name, discovery: discovery,
            discoveryTask: discovery.flatMap { KnownTasks.discoveryTasks[$0] },
            discoveryOptions: (usesDefault ? definition.discoveryOptions : [:]).merging(request.discoveryOptions ?? [:]) { $1 },
            fields: values, rules: rules)
    }
}
