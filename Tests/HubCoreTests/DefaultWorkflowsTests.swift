import Foundation
import HubCore
import Shared
import Testing

@Suite struct DefaultWorkflowsTests {
    let context = SubmissionContext(sites: ["london", "dublin"])

    @Test func theDocumentedDefaultsArePresent() {
        #expect(DefaultWorkflows.all.map(\.name) == [
            "migrate", "premigrate", "recall", "send", "unmanage", "site_sync", "import_to_site_hydrated",
            "import_to_site_dehydrated", "transparent_recall", "reverse_stub", "delete_file",
        ])
        #expect(Set(DefaultWorkflows.all.map(\.name)).count == DefaultWorkflows.all.count)
    }

    /// Each default passes the same validation as a posted definition, and its API form parses back
    /// to itself: no unknown task, no undeclared `*field`, no mixed rule set.
    @Test(arguments: DefaultWorkflows.all)
    func defaultsRoundTripThroughTheParser(_ definition: WorkflowDefinition) throws {
        let body = try #require(definition.json.objectValue)
        #expect(try WorkflowDefinition.parse(body) == definition)
    }

    @Test func migrateMatchesTheAPIDump() throws {
        let migrate = try #require(DefaultWorkflows.named("migrate"))
        #expect(migrate.label == "Dehydrate")
        #expect(migrate.iconClasses == ["hurricane-01"])
        #expect(migrate.discovery == "recursive")
        #expect(migrate.discoveryOptions == ["allow_missing_paths": false])
        #expect(migrate.field(named: "lock_level")?.defaultValue == "implicit")
        #expect(migrate.field(named: "lock_level")?.choiceValues == ["partial", "implicit", "none"])
        #expect(migrate.filterRules[0].action == [
            ActionStep(name: "dynamo.tasks.migrate", kwargs: ["lock_level": "*lock_level"])
        ])
    }

    @Test func premigrateUsesThePremigrateKwarg() throws {
        let premigrate = try #require(DefaultWorkflows.named("premigrate"))
        #expect(premigrate.label == "Pre-Stage")
        #expect(premigrate.filterRules[0].action[0].kwargs == ["lock_level": "*lock_level", "premigrate": true])
    }

    @Test func hiddenWorkflowsAreNotVisible() {
        let hidden = DefaultWorkflows.all.filter { !$0.visible }.map(\.name)
        #expect(hidden == ["transparent_recall", "reverse_stub", "delete_file"])
    }

    @Test func sendResolvesAcrossTwoSites() throws {
        let send = try #require(DefaultWorkflows.named("send"))
        let request = SubmissionRequest(
            workflow: "send", paths: [PathItem(path: "/mmfs1/data")], site: "london", queue: "highpriority",
            fields: ["destinationsite": "dublin", "hydrate": true])
        let resolved = try SubmissionResolver.resolve(
            request, definition: send,
            context: SubmissionContext(
                sites: ["london", "dublin"], queuesBySite: ["london": ["default", "highpriority"], "dublin": ["default"]]))
        let steps = resolved.rules[0].steps
        #expect(steps.map(\.task) == [
            "dynamo.tasks.remove_location_xattrs_for_moved", "dynamo.tasks.migrate", "dynamo.tasks.reverse_stub",
        ])
        #expect(steps.map(\.site) == ["london", "london", "dublin"])
        // Dublin has no highpriority queue, so its step falls back to default (L10094).
        #expect(steps.map(\.queue) == ["highpriority", "highpriority", "default"])
        #expect(steps[2].kwargs == ["hydrate": true])
        #expect(steps[1].kwargs == ["premigrate": true])
    }

    @Test func sendNeedsADestination() throws {
        let send = try #require(DefaultWorkflows.named("send"))
        let request = SubmissionRequest(workflow: "send", paths: [PathItem(path: "/mmfs1/data")], site: "london")
        #expect(throws: WorkflowValidationError(field: "fields.destinationsite", "This field is required.")) {
            try SubmissionResolver.resolve(request, definition: send, context: context)
        }
    }

    @Test func siteSyncRunsMovesAndDeletesOnTheDestination() throws {
        let sync = try #require(DefaultWorkflows.named("site_sync"))
        let request = SubmissionRequest(
            workflow: "site_sync", paths: [PathItem(path: "/mmfs1/fileset")], site: "london",
            fields: ["destination": "dublin", "destinationqueue": "slow"])
        let resolved = try SubmissionResolver.resolve(request, definition: sync, context: context)
        #expect(resolved.discovery == "snapdiff")
        #expect(resolved.discoveryTask == "dynamo.tasks.snapdiff")
        #expect(resolved.rules.map(\.state) == ["created", "updated", "moved", "deleted"])
        #expect(resolved.rules[1].steps.first?.kwargs == ["sync_preference": "local", "target_site": "dublin"])
        #expect(resolved.rules[2].steps.map(\.site) == ["dublin"])
        #expect(resolved.rules[2].steps.map(\.queue) == ["slow"])
        #expect(resolved.rules[3].steps.map(\.task) == ["dynamo.tasks.delete_paths_from_gpfs"])
        #expect(resolved.fields["snappdiff_rotate_on_error"] == true)
    }

    @Test func importWorkflowsTakeRemoteObjectPaths() throws {
        let hydrated = try #require(DefaultWorkflows.named("import_to_site_hydrated"))
        #expect(hydrated.takesRemoteObjectPaths)
        #expect(hydrated.externalOnly)
        #expect(try #require(DefaultWorkflows.named("migrate")).takesRemoteObjectPaths == false)
        let body: [String: JSONValue] = [
            "workflow": "import_to_site_hydrated", "site": "london", "paths": ["projects/"],
            "fields": ["endpoint": "aws"],
        ]
        #expect(throws: WorkflowValidationError.self) { try SubmissionRequest.parse(body) }
        let request = try SubmissionRequest.parse(body, remoteObjectPaths: true)
        let resolved = try SubmissionResolver.resolve(request, definition: hydrated, context: context)
        #expect(resolved.rules[0].steps[0].kwargs == [
            "endpoint": "aws", "location": nil, "lock_level": "implicit", "hydrate": true,
        ])
    }

    @Test func reverseStubBoolFieldsWithoutDefaultAreFalse() throws {
        let reverseStub = try #require(DefaultWorkflows.named("reverse_stub"))
        let request = SubmissionRequest(
            workflow: "reverse_stub", paths: [PathItem(path: "/mmfs1/a")], site: "london", fields: ["hydrate": true])
        let resolved = try SubmissionResolver.resolve(request, definition: reverseStub, context: context)
        #expect(resolved.rules[0].steps[0].kwargs == ["hydrate": true, "overwrite": false])
    }

    @Test func transparentRecallLocksPartially() throws {
        let recall = try #require(DefaultWorkflows.named("transparent_recall"))
        #expect(recall.filterRules[0].action == [ActionStep(name: "dynamo.tasks.recall", kwargs: ["lock_level": "partial"])])
        #expect(recall.discovery == nil)
    }
}
