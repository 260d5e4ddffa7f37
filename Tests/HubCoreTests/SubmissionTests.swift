import Foundation
import HubCore
import Shared
import Testing

@Suite struct SubmissionParseTests {
    func parseError(_ body: [String: JSONValue]) -> WorkflowValidationError? {
        do {
            _ = try SubmissionRequest.parse(body)
            return nil
        } catch {
            return error
        }
    }

    @Test func example8PlainPaths() throws {
        let request = try SubmissionRequest.parse(
            try jsonObject(
                """
                {"paths": ["/mmfs1/data/project_one", "/mmfs1/data/project_two"], "site": "london",
                 "queue": "highpriority", "workflow": "send_file", "discovery": "recursive",
                 "fields": {"target_site": "dublin"}}
                """))
        #expect(request.paths.map(\.path) == ["/mmfs1/data/project_one", "/mmfs1/data/project_two"])
        #expect(request.paths.allSatisfy { $0.state == nil })
        #expect(request.queue == "highpriority")
        #expect(request.discovery == .named("recursive"))
        #expect(request.fields == ["target_site": "dublin"])
    }

    @Test func example10PathsWithStateAndNullDiscovery() throws {
        let request = try SubmissionRequest.parse(
            try jsonObject(
                """
                {"paths": [{"path": "/mmfs1/data/project_one", "state": "modified"},
                           {"path": "/mmfs1/data/project_two", "state": "moved"}],
                 "site": "london", "workflow": "migrate_state", "discovery": null, "fields": {}}
                """))
        #expect(request.paths == [
            PathItem(path: "/mmfs1/data/project_one", state: "modified"),
            PathItem(path: "/mmfs1/data/project_two", state: "moved"),
        ])
        #expect(request.discovery == DiscoveryChoice.none)
    }

    @Test func absentDiscoveryMeansWorkflowDefault() throws {
        let request = try SubmissionRequest.parse(["workflow": "w", "site": "s", "paths": ["/a"]])
        #expect(request.discovery == .workflowDefault)
        #expect(request.fields == [:])
        #expect(request.job == nil && request.include == nil && request.ignoreSiteIncludes == nil)
    }

    @Test func runtimePatternsAndJob() throws {
        let request = try SubmissionRequest.parse([
            "workflow": "w", "site": "s", "paths": ["/a"], "job": "42", "include": ["/a/*"], "exclude": [],
            "ignore_site_includes": true, "ignore_site_excludes": false,
        ])
        #expect(request.job == 42)
        #expect(request.include == ["/a/*"])
        #expect(request.exclude == [])
        #expect(request.ignoreSiteIncludes == true && request.ignoreSiteExcludes == false)
    }

    @Test func missingKeysAreNamed() throws {
        let error = try #require(parseError([:]))
        #expect(error.fields["workflow"] == ["This field is required."])
        #expect(error.fields["site"] == ["This field is required."])
        #expect(error.fields["paths"] == ["This field is required."])
    }

    @Test func badPathsAreRefused() {
        let base: [String: JSONValue] = ["workflow": "w", "site": "s"]
        func pathsError(_ paths: JSONValue) -> [String]? {
            var body = base
            body["paths"] = paths
            return parseError(body)?.fields["paths"]
        }
        #expect(pathsError([]) == ["This list may not be empty."])
        #expect(pathsError("/a") == ["Expected a list of items but got type \"str\"."])
        #expect(pathsError(["relative/path"]) == ["Path 'relative/path' is not absolute."])
        #expect(pathsError(["/mmfs1/../etc/passwd"]) == ["Path '/mmfs1/../etc/passwd' may not contain '..'."])
        #expect(pathsError(["/mmfs1/data/.."]) != nil)
        #expect(pathsError(["/mmfs1/a\u{0}b"]) != nil)
        #expect(pathsError([5]) != nil)
        #expect(pathsError([["state": "moved"]]) != nil)
        #expect(pathsError([["path": "/a", "state": 3]]) != nil)
        // Dots that are not a whole component are ordinary names.
        #expect(pathsError(["/mmfs1/a..b/..c/.d"]) == nil)
    }

    @Test func wrongTypesAreNamed() throws {
        let error = try #require(
            parseError([
                "workflow": 1, "site": "", "paths": ["/a"], "queue": ["q"], "fields": [], "discovery": "deep",
                "job": 1.5, "include": "*.tmp", "ignore_site_excludes": "sometimes",
            ]))
        #expect(error.fields["workflow"] == ["Not a valid string."])
        #expect(error.fields["site"] == ["This field may not be blank."])
        #expect(error.fields["queue"] == ["Not a valid string."])
        #expect(error.fields["fields"] == ["Expected a dictionary of items but got type \"list\"."])
        #expect(error.fields["discovery"]?.first?.contains("deep") == true)
        #expect(error.fields["job"] == ["A valid integer is required."])
        #expect(error.fields["include"] == ["Expected a list of items but got type \"str\"."])
        #expect(error.fields["ignore_site_excludes"] == ["Must be a valid boolean."])
        #expect(parseError(["workflow": "w", "site": "s", "paths": ["/a"], "job": true])?.fields["job"] != nil)
        #expect(parseError(["workflow": "w", "site": "s", "paths": ["/a"], "job": 0])?.fields["job"] != nil)
    }
}

@Suite struct SubmissionResolverTests {
    let context = SubmissionContext(
        sites: ["london", "dublin", "paris"],
        queuesBySite: ["london": ["default", "highpriority"], "dublin": ["default", "lowpriority"]],
        sitePatterns: ["london": SitePatterns(include: ["/mmfs1/*"], exclude: ["*.cache"])])

    func definition(_ body: [String: JSONValue]) throws -> WorkflowDefinition {
        try WorkflowDefinition.parse(body)
    }

    func resolveError(
        _ request: SubmissionRequest, _ definition: WorkflowDefinition, context: SubmissionContext? = nil
    ) -> WorkflowValidationError? {
        do {
            _ = try SubmissionResolver.resolve(request, definition: definition, context: context ?? self.context)
            return nil
        } catch {
            return error
        }
    }

    var sendFile: WorkflowDefinition {
        get throws {
            try definition(
                jsonObject(
                    """
                    {"name": "send_file", "label": "Send", "discovery": "recursive",
                     "discovery_options": {"skip_missing": true},
                     "filter_rules": [{"state": "all", "type": "all", "exclude": ["*.tmp"], "action": [
                       {"name": "dynamo.tasks.migrate", "lock_level": "*lock_level", "extra": ["*target_site", {"deep": "*lock_level"}]},
                       {"name": "dynamo.tasks.reverse_stub", "site": "*target_site", "queue": "*target_queue"}]}],
                     "fields": [
                       {"name": "target_site", "label": "Site", "type": "enum[site]"},
                       {"name": "target_queue", "label": "Queue", "type": "string", "default": null},
                       {"name": "lock_level", "label": "Lock", "type": "choices", "default": "implicit",
                        "choices": [{"label": "P", "value": "partial"}, {"label": "I", "value": "implicit"}]}]}
                    """))
        }
    }

    func request(
        fields: [String: JSONValue] = ["target_site": "dublin"], queue: String? = nil,
        discovery: DiscoveryChoice = .workflowDefault, paths: [PathItem] = [PathItem(path: "/mmfs1/data")]
    ) -> SubmissionRequest {
        SubmissionRequest(
            workflow: "send_file", paths: paths, site: "london", queue: queue, fields: fields, discovery: discovery)
    }

    @Test func example8ResolvesSitesQueuesAndSubstitution() throws {
        let resolved = try SubmissionResolver.resolve(request(queue: "highpriority"), definition: sendFile, context: context)
        #expect(resolved.workflow == "send_file")
        #expect(resolved.discovery == "recursive")
        #expect(resolved.discoveryTask == "dynamo.tasks.recursive_navigate")
        #expect(resolved.discoveryOptions == ["skip_missing": true])
        #expect(resolved.fields == ["target_site": "dublin", "target_queue": nil, "lock_level": "implicit"])
        let steps = resolved.rules[0].steps
        #expect(steps[0] == ResolvedStep(
            task: "dynamo.tasks.migrate", site: "london", queue: "highpriority",
            kwargs: ["lock_level": "implicit", "extra": ["dublin", ["deep": "implicit"]]]))
        // target_queue is null: the step inherits highpriority, which dublin lacks, so default (L10094).
        #expect(steps[1] == ResolvedStep(task: "dynamo.tasks.reverse_stub", site: "dublin", queue: "default", kwargs: [:]))
    }

    @Test func userValueWinsOverDefault() throws {
        let resolved = try SubmissionResolver.resolve(
            request(fields: ["target_site": "dublin", "lock_level": "partial", "target_queue": "lowpriority", "unknown": 1]),
            definition: sendFile, context: context)
        #expect(resolved.fields["lock_level"] == "partial")
        #expect(resolved.fields["unknown"] == nil)
        #expect(resolved.rules[0].steps[1].queue == "lowpriority")
    }

    @Test func queuePrecedence() throws {
        var flow = try sendFile
        // No queue anywhere: default.
        #expect(try SubmissionResolver.resolve(request(), definition: flow, context: context).rules[0].steps[0].queue == "default")
        // The workflow's preferred queue, when the submission names none.
        flow.preferredQueue = "highpriority"
        #expect(try SubmissionResolver.resolve(request(), definition: flow, context: context).rules[0].steps[0].queue == "highpriority")
        // The submission's queue wins over the preferred one; the step's own wins over both.
        flow.filterRules[0].action[0].queue = "default"
        let resolved = try SubmissionResolver.resolve(request(queue: "highpriority"), definition: flow, context: context)
        #expect(resolved.rules[0].steps[0].queue == "default")
        // A site whose queues are unknown accepts any queue.
        var unknownQueues = context
        unknownQueues.queuesBySite["london"] = nil
        let anyQueue = try SubmissionResolver.resolve(request(queue: "whatever"), definition: try sendFile, context: unknownQueues)
        #expect(anyQueue.rules[0].steps[0].queue == "whatever")
    }

    @Test func errorsNameTheirField() throws {
        let flow = try sendFile
        var bad = request(fields: ["target_site": "atlantis", "lock_level": "total"], queue: "nope")
        var error = try #require(resolveError(bad, flow))
        #expect(error.fields["queue"] == ["Queue 'nope' does not exist on site 'london'."])
        #expect(error.fields["fields.target_site"] == ["Unknown site 'atlantis'."])
        #expect(error.fields["fields.lock_level"] == ["\"total\" is not a valid choice."])

        bad = request(fields: [:])
        error = try #require(resolveError(bad, flow))
        #expect(error.fields == ["fields.target_site": ["This field is required."]])

        bad.site = "rome"
        error = try #require(resolveError(bad, flow))
        #expect(error.fields["site"] == ["Unknown site 'rome'."])
        // Steps that inherit the unknown site do not repeat the complaint.
        #expect(error.fields["workflow"] == nil)

        // A queue named by a field must exist on the step's site.
        bad = request(fields: ["target_site": "dublin", "target_queue": "highpriority"])
        #expect(resolveError(bad, flow)?.fields["fields.target_queue"]?.first?.contains("highpriority") == true)
    }

    @Test func disabledAndScheduleOnlyWorkflowsAreRefused() throws {
        var flow = try sendFile
        flow.enabled = false
        #expect(resolveError(request(), flow)?.fields["workflow"] == ["Workflow 'send_file' is disabled."])
        flow.enabled = true
        flow.scheduleOnly = true
        #expect(resolveError(request(), flow)?.fields["workflow"] != nil)
        var scheduled = context
        scheduled.fromSchedule = true
        #expect(resolveError(request(), flow, context: scheduled) == nil)
    }

    @Test func fieldTypesAreChecked() throws {
        let flow = try definition(
            jsonObject(
                """
                {"name": "typed", "label": "Typed", "filter_rules": [{"state": "all", "type": "all", "action": [
                  {"name": "dynamo.tasks.noop", "n": "*n", "b": "*b", "c": "*c", "q": "*q", "l": "*l", "s": "*s", "x": "*x"}]}],
                 "fields": [
                   {"name": "n", "label": "N", "type": "int"},
                   {"name": "b", "label": "B", "type": "bool"},
                   {"name": "c", "label": "C", "type": "choices", "choices": [{"label": "One", "value": 1}, {"label": "Two", "value": "two"}]},
                   {"name": "q", "label": "Q", "type": "enum[queue]"},
                   {"name": "l", "label": "L", "type": "list"},
                   {"name": "s", "label": "S", "type": "string"},
                   {"name": "x", "label": "X", "type": "mystery"}]}
                """))
        func run(_ fields: [String: JSONValue]) throws -> [String: JSONValue] {
            let submission = SubmissionRequest(workflow: "typed", paths: [PathItem(path: "/a")], site: "london", fields: fields)
            return try SubmissionResolver.resolve(submission, definition: flow, context: context).rules[0].steps[0].kwargs
        }
        let good = try run(["n": "12", "b": "true", "c": "1", "q": "highpriority", "l": [1, "a"], "s": 7, "x": ["any": 1]])
        #expect(good == ["n": 12, "b": true, "c": 1, "q": "highpriority", "l": [1, "a"], "s": "7", "x": ["any": 1]])

        let submission = SubmissionRequest(
            workflow: "typed", paths: [PathItem(path: "/a")], site: "london",
            fields: ["n": "twelve", "b": "yes", "c": "three", "q": "lowpriority", "l": "a", "s": ["no"], "x": 1])
        let error = try #require(resolveError(submission, flow))
        #expect(error.fields["fields.n"] == ["A valid integer is required."])
        #expect(error.fields["fields.b"] == ["Must be a valid boolean."])
        #expect(error.fields["fields.c"] == ["\"three\" is not a valid choice."])
        #expect(error.fields["fields.q"] == ["Queue 'lowpriority' does not exist on site 'london'."])
        #expect(error.fields["fields.l"] == ["Expected a list of items but got type \"str\"."])
        #expect(error.fields["fields.s"] == ["Not a valid string."])
        #expect(error.fields["fields.x"] == nil)
    }

    @Test func discoveryChoiceAndOptions() throws {
        let flow = try sendFile
        let none = try SubmissionResolver.resolve(request(discovery: .none), definition: flow, context: context)
        #expect(none.discovery == nil && none.discoveryTask == nil && none.discoveryOptions == [:])
        // Options belong to the workflow's default discovery only (L10751).
        let other = try SubmissionResolver.resolve(request(discovery: .named("snapdiff")), definition: flow, context: context)
        #expect(other.discovery == "snapdiff" && other.discoveryTask == "dynamo.tasks.snapdiff")
        #expect(other.discoveryOptions == [:])
        let same = try SubmissionResolver.resolve(request(discovery: .named("recursive")), definition: flow, context: context)
        #expect(same.discoveryOptions == ["skip_missing": true])
    }

    @Test func statePathsOnlyWithoutDiscovery() throws {
        let flow = try sendFile
        let paths = [PathItem(path: "/mmfs1/a", state: "modified")]
        #expect(resolveError(request(paths: paths), flow)?.fields["paths"] != nil)
        #expect(resolveError(request(discovery: .none, paths: paths), flow) == nil)
    }

    @Test func effectivePatterns() throws {
        let flow = try definition(
            jsonObject(
                """
                {"name": "p", "label": "P", "filter_rules": [
                  {"state": "all", "type": "all", "exclude": ["*.tmp"], "action": [{"name": "dynamo.tasks.noop"}]},
                  {"state": "all", "type": "file", "include": ["/mmfs1/x/*"], "ignore_site_includes": true,
                   "ignore_site_excludes": true, "action": [{"name": "dynamo.tasks.noop"}]}]}
                """))
        var submission = SubmissionRequest(workflow: "p", paths: [PathItem(path: "/mmfs1")], site: "london")
        var rules = try SubmissionResolver.resolve(submission, definition: flow, context: context).rules
        // Rule patterns plus the site's, appended (L10771).
        #expect(rules[0].include == ["/mmfs1/*"] && rules[0].exclude == ["*.tmp", "*.cache"])
        #expect(rules[1].include == ["/mmfs1/x/*"] && rules[1].exclude == [])

        // Runtime patterns replace the rules'; runtime ignore flags override the rules' (L10773, L10777).
        submission.include = ["/mmfs1/run/*"]
        submission.ignoreSiteIncludes = false
        submission.ignoreSiteExcludes = true
        rules = try SubmissionResolver.resolve(submission, definition: flow, context: context).rules
        #expect(rules[0].include == ["/mmfs1/run/*", "/mmfs1/*"] && rules[0].exclude == ["*.tmp"])
        #expect(rules[1].include == ["/mmfs1/run/*", "/mmfs1/*"] && rules[1].exclude == [])
        #expect(rules[1].type == "file")
    }

    @Test func substitutedSiteMustExist() throws {
        let flow = try definition(
            jsonObject(
                """
                {"name": "s", "label": "S", "filter_rules": [{"state": "all", "type": "all", "action": [
                  {"name": "dynamo.tasks.noop", "site": "*where"}, {"name": "dynamo.tasks.noop", "site": "atlantis"}]}],
                 "fields": [{"name": "where", "label": "Where", "type": "string"}]}
                """))
        let submission = SubmissionRequest(
            workflow: "s", paths: [PathItem(path: "/a")], site: "london", fields: ["where": "nowhere"])
        let error = try #require(resolveError(submission, flow))
        #expect(error.fields["fields.where"]?.first?.contains("nowhere") == true)
        #expect(error.fields["workflow"]?.first?.contains("atlantis") == true)
    }
}
