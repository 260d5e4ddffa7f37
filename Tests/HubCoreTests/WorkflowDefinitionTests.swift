import Foundation
import HubCore
import Shared
import Testing

@Suite struct WorkflowDefinitionTests {
    // MARK: - The manual's examples (spec/03 §5.5, cleaned)

    @Test func example1RuleWithQueueAndSite() throws {
        let rule = try jsonObject(
            """
            {"state": "all", "type": "all", "action": [
              {"name": "dynamo.tasks.migrate", "queue": "highpriority"},
              {"name": "dynamo.tasks.reverse_stub", "site": "london"}]}
            """)
        let definition = try WorkflowDefinition.parse(definitionBody(rules: [.object(rule)]))
        let steps = try #require(definition.filterRules.first?.action)
        #expect(steps == [
            ActionStep(name: "dynamo.tasks.migrate", queue: "highpriority"),
            ActionStep(name: "dynamo.tasks.reverse_stub", site: "london"),
        ])
    }

    @Test func examples2And3FieldWithDefaultAndSiteReference() throws {
        let fields = try JSONDecoder().decode(
            JSONValue.self,
            from: Data(#"[{"name": "target_site", "label": "site to migrate to", "type": "enum[site]", "default": "london"}]"#.utf8))
        let rule = try jsonObject(
            """
            {"state": "all", "type": "all", "action": [
              {"name": "dynamo.tasks.migrate"}, {"name": "dynamo.tasks.reverse_stub", "site": "*target_site"}]}
            """)
        let definition = try WorkflowDefinition.parse(definitionBody(rules: [.object(rule)], fields: fields))
        #expect(definition.fields == [
            WorkflowField(name: "target_site", label: "site to migrate to", type: "enum[site]", defaultValue: "london")
        ])
        #expect(definition.filterRules[0].action[1].site == "*target_site")
    }

    @Test func example4FullRequest() throws {
        let body = try jsonObject(
            """
            {"name": "send_file", "label": "Send files from one site to another",
             "icon_classes": ["fa fa-cloud fa-stack-2x text-primary", "fa fa-refresh fa-stack-1x text-light"],
             "filter_rules": [{"state": "all", "type": "all", "action": [
               {"name": "dynamo.tasks.migrate"}, {"name": "dynamo.tasks.reverse_stub", "site": "*target_site"}]}],
             "fields": [{"name": "target_site", "label": "Site to migrate to", "type": "enum[site]"}]}
            """)
        let definition = try WorkflowDefinition.parse(body)
        #expect(definition.name == "send_file")
        #expect(definition.iconClasses.count == 2)
        #expect(definition.discovery == nil)
        #expect(definition.enabled && definition.visible && !definition.scheduleOnly && !definition.externalOnly)
    }

    @Test func examples5To7ChoicesFieldAndLegacyIcon() throws {
        let body = try jsonObject(
            """
            {"name": "send_file", "label": "Send files from one site to another",
             "icon": "<span class='fa-stack'><i class='fa fa-cloud fa-stack-2x text-primary'></i></span>",
             "filter_rules": [{"state": "all", "type": "all", "action": [
               {"name": "dynamo.tasks.migrate"}, {"name": "dynamo.tasks.reverse_stub", "sync_policy": "*sync_policy"}]}],
             "fields": [{"name": "sync_policy", "label": "sync_policy", "type": "choices", "choices": [
               {"label": "Newest", "value": "newest"}, {"label": "Sourcesite", "value": "sourcesite"}]}]}
            """)
        let definition = try WorkflowDefinition.parse(body)
        #expect(definition.iconClasses == [])
        #expect(definition.fields[0].choiceValues == ["newest", "sourcesite"])
        #expect(definition.filterRules[0].action[1].kwargs == ["sync_policy": "*sync_policy"])
        #expect(definition.json["icon"] == nil)
    }

    @Test func example9ActionAsSingleObjectAndNullDiscovery() throws {
        let body = try jsonObject(
            """
            {"name": "migrate_state", "label": "Stateful file migration",
             "filter_rules": [
               {"type": "all", "state": "modified", "action": {"name": "dynamo.tasks.migrate"}},
               {"type": "all", "state": "moved", "action": {"name": "dynamo.tasks.delete_paths_from_gpfs"}}],
             "discovery": null, "fields": []}
            """)
        let definition = try WorkflowDefinition.parse(body)
        #expect(definition.discovery == nil)
        #expect(definition.filterRules.map(\.state) == ["modified", "moved"])
        #expect(definition.filterRules.map { $0.action.map(\.name) } == [
            ["dynamo.tasks.migrate"], ["dynamo.tasks.delete_paths_from_gpfs"],
        ])
        // The API shows the single action as a list of one.
        #expect(definition.json["filter_rules"]?.arrayValue?.first?["action"]?.arrayValue?.count == 1)
    }

    @Test func example11SnapdiffRuleWithExclude() throws {
        let rule = try jsonObject(
            """
            {"state": "created", "type": "file", "exclude": ["*.temp"], "action": [
              {"name": "dynamo.tasks.migrate"}, {"name": "dynamo.tasks.reverse_stub", "site": "*target_site"}]}
            """)
        let definition = try WorkflowDefinition.parse(
            definitionBody(
                rules: [.object(rule)], fields: [["name": "target_site", "label": "Site", "type": "enum[site]"]],
                extra: ["discovery": "snapdiff"]))
        #expect(definition.filterRules[0].exclude == ["*.temp"])
        #expect(definition.filterRules[0].include == nil)
        #expect(definition.discovery == "snapdiff")
    }

    @Test func example12DiscoveryOptions() throws {
        let definition = try WorkflowDefinition.parse(
            definitionBody(
                rules: [["state": "all", "type": "all", "action": [["name": "dynamo.tasks.migrate"]]]],
                extra: ["discovery": "recursive", "discovery_options": ["skip_missing": false]]))
        #expect(definition.discoveryOptions == ["skip_missing": false])
    }

    @Test func apiCreateExampleWithPreferredQueue() throws {
        let body = try jsonObject(
            """
            {"name": "transfer_files", "label": "Transfer files between sites",
             "icon_classes": ["fa fa-cloud", "fa fa-arrow-right"], "discovery": "snapdiff",
             "enabled": true, "visible": true, "schedule_only": false, "external_only": false,
             "fields": [{"name": "target_site", "type": "enum[site]", "label": "Destination Site", "default": "london"}],
             "filter_rules": [{"type": "all", "state": "all", "action": [{"name": "dynamo.tasks.migrate", "site": "*target_site"}]}],
             "discovery_options": {}, "preferred_queue": "highpriority"}
            """)
        let definition = try WorkflowDefinition.parse(body)
        #expect(definition.preferredQueue == "highpriority")
        // The API representation gives back what was posted (L25283-25320).
        #expect(definition.json == .object(body))
    }

    @Test func ngclientExampleKeepsUnknownFieldKeys() throws {
        let body = try jsonObject(
            """
            {"name": "recall_overwrite", "label": "Overwrite On Recall", "icon_classes": [],
             "filter_rules": [{"type": "all", "state": "all", "action": [{"name": "dynamo.tasks.reverse_stub", "site": "*destinationsite", "overwrite": true}]}],
             "fields": [{"name": "destinationsite", "type": "enum[site]", "label": "Destination Site", "value": "site"}]}
            """)
        let definition = try WorkflowDefinition.parse(body)
        #expect(definition.fields[0].extra == ["value": "site"])
        #expect(definition.fields[0].json["value"] == "site")
    }

    @Test func pluginStepWithListKwarg() throws {
        let definition = try WorkflowDefinition.parse(
            definitionBody(rules: [
                [
                    "state": "all", "type": "all",
                    "action": [
                        ["name": "dynamo.tasks.migrate"],
                        ["name": "dynamo.custom.email_staff", "staff_members": ["a@example.org"], "subject": "done"],
                    ],
                ]
            ]))
        #expect(definition.filterRules[0].action[1].kwargs["staff_members"] == ["a@example.org"])
    }

    // MARK: - Normalisation

    @Test func preMigrateAndTypeAliasesAreNormalised() throws {
        let definition = try WorkflowDefinition.parse(
            definitionBody(rules: [
                ["state": "all", "type": "link", "action": [["name": "dynamo.tasks.migrate", "pre_migrate": true]]],
                ["state": "all", "type": "folder", "action": [["name": "dynamo.tasks.migrate"]]],
            ]))
        #expect(definition.filterRules.map(\.type) == ["symlink", "directory"])
        #expect(definition.filterRules[0].action[0].kwargs == ["premigrate": true])
        #expect(definition.filterRules[0].action[0].json["pre_migrate"] == nil)
    }

    @Test func jsonOmitsUnsetRuleKeysAndRoundTrips() throws {
        let definition = try WorkflowDefinition.parse(
            definitionBody(rules: [
                ["state": "all", "type": "all", "ignore_site_excludes": true, "action": [["name": "dynamo.tasks.migrate"]]]
            ]))
        let rule = try #require(definition.json["filter_rules"]?.arrayValue?.first)
        #expect(rule["include"] == nil && rule["exclude"] == nil && rule["ignore_site_includes"] == nil)
        #expect(rule["ignore_site_excludes"] == true)
        #expect(rule["action"]?.arrayValue?.first == ["name": "dynamo.tasks.migrate"])
        let again = try WorkflowDefinition.parse(try #require(definition.json.objectValue))
        #expect(again == definition)
        let decoded = try JSONDecoder().decode(WorkflowDefinition.self, from: JSONEncoder().encode(definition))
        #expect(decoded == definition)
    }

    @Test func iconClassesAndFieldsDefaultToEmpty() throws {
        let definition = try WorkflowDefinition.parse([
            "name": "x", "label": "X", "filter_rules": [["state": "all", "type": "all", "action": [["name": "dynamo.tasks.noop"]]]],
        ])
        #expect(definition.iconClasses == [] && definition.fields == [])
    }

    // MARK: - Validation: each error names its field

    @Test func missingRequiredKeysAreAllReported() throws {
        let error = try #require(definitionError([:]))
        #expect(error.fields["name"] == ["This field is required."])
        #expect(error.fields["label"] == ["This field is required."])
        #expect(error.fields["filter_rules"] == ["This field is required."])
    }

    @Test func nameMustBeNonEmptyWithoutWhitespace() throws {
        let rules: JSONValue = [["state": "all", "type": "all", "action": [["name": "dynamo.tasks.migrate"]]]]
        var body = definitionBody(rules: rules)
        body["name"] = "send file"
        #expect(definitionError(body)?.fields["name"] != nil)
        body["name"] = ""
        #expect(definitionError(body)?.fields["name"] == ["This field may not be blank."])
        body["name"] = 5
        #expect(definitionError(body)?.fields["name"] == ["Not a valid string."])
    }

    @Test func wrongTypesAreNamed() throws {
        let rules: JSONValue = [["state": "all", "type": "all", "action": [["name": "dynamo.tasks.migrate"]]]]
        let error = try #require(
            definitionError(
                definitionBody(
                    rules: rules, fields: ["not": "a list"],
                    extra: [
                        "icon_classes": "fa", "enabled": "maybe", "discovery_options": [1], "preferred_queue": 3,
                    ])))
        #expect(error.fields["icon_classes"] == ["Expected a list of items but got type \"str\"."])
        #expect(error.fields["enabled"] == ["Must be a valid boolean."])
        #expect(error.fields["discovery_options"] == ["Expected a dictionary of items but got type \"list\"."])
        #expect(error.fields["preferred_queue"] == ["Not a valid string."])
        #expect(error.fields["fields"] == ["Expected a list of items but got type \"dict\"."])
        #expect(definitionError(definitionBody(rules: "x"))?.fields["filter_rules"] != nil)
        #expect(definitionError(definitionBody(rules: []))?.fields["filter_rules"] == ["This list may not be empty."])
    }

    @Test func ruleStateAndTypeAreChecked() throws {
        let error = try #require(
            definitionError(
                definitionBody(rules: [
                    ["action": [["name": "dynamo.tasks.migrate"]]],
                    ["state": "all", "type": "fifo", "action": [["name": "dynamo.tasks.migrate"]]],
                    ["state": "default", "type": "file", "action": [["name": "dynamo.tasks.migrate"]]],
                    ["state": "created", "type": "default", "action": [["name": "dynamo.tasks.migrate"]]],
                ])))
        #expect(error.fields["filter_rules[0].state"] == ["This field is required."])
        #expect(error.fields["filter_rules[0].type"] == ["This field is required."])
        #expect(error.fields["filter_rules[1].type"]?.first?.contains("fifo") == true)
        #expect(error.fields["filter_rules[2].type"] == ["A default rule must have type default."])
        #expect(error.fields["filter_rules[3].state"] == ["A rule of type default must have state default."])
    }

    @Test func allAndDefaultRulesCannotBeMixed() throws {
        let error = try #require(
            definitionError(
                definitionBody(rules: [
                    ["state": "all", "type": "all", "action": [["name": "dynamo.tasks.migrate"]]],
                    ["state": "default", "type": "default", "action": [["name": "dynamo.tasks.recall"]]],
                ])))
        #expect(error.fields["filter_rules"] == ["A rule set cannot contain both default and all rules."])
        // Several default rules, with specific-state rules, are fine.
        #expect(
            definitionError(
                definitionBody(rules: [
                    ["state": "created", "type": "file", "action": [["name": "dynamo.tasks.migrate"]]],
                    ["state": "default", "type": "default", "include": ["/a/*"], "action": [["name": "dynamo.tasks.recall"]]],
                    ["state": "default", "type": "default", "include": ["/b/*"], "action": [["name": "dynamo.tasks.recall"]]],
                ])) == nil)
    }

    @Test func actionsAreChecked() throws {
        let error = try #require(
            definitionError(
                definitionBody(rules: [
                    ["state": "all", "type": "all", "action": []],
                    ["state": "all", "type": "all", "action": [["site": "london"]]],
                    ["state": "all", "type": "all", "action": [["name": "dynamo.tasks.migrate"], ["name": "dynamo.tasks.teleport"]]],
                    ["state": "all", "type": "all"],
                    ["state": "all", "type": "all", "action": ["dynamo.tasks.migrate"]],
                ])))
        #expect(error.fields["filter_rules[0].action"] == ["This list may not be empty."])
        #expect(error.fields["filter_rules[1].action[0].name"] == ["This field is required."])
        #expect(error.fields["filter_rules[2].action[1].name"] == ["Unknown task 'dynamo.tasks.teleport'."])
        #expect(error.fields["filter_rules[3].action"] == ["This field is required."])
        #expect(error.fields["filter_rules[4].action[0]"] != nil)
    }

    @Test func discoveryMustBeKnown() throws {
        let rules: JSONValue = [["state": "all", "type": "all", "action": [["name": "dynamo.tasks.migrate"]]]]
        #expect(definitionError(definitionBody(rules: rules, extra: ["discovery": "walk"]))?.fields["discovery"] != nil)
        for name in ["recursive", "snapdiff", "bidirectional_snapdiff"] {
            #expect(definitionError(definitionBody(rules: rules, extra: ["discovery": .string(name)])) == nil)
        }
    }

    @Test func fieldsAreChecked() throws {
        let rules: JSONValue = [["state": "all", "type": "all", "action": [["name": "dynamo.tasks.migrate"]]]]
        let error = try #require(
            definitionError(
                definitionBody(
                    rules: rules,
                    fields: [
                        ["label": "No name", "type": "string"],
                        ["name": "a", "label": "A", "type": "string"],
                        ["name": "a", "label": "A again", "type": "string"],
                        ["name": "c", "label": "C", "type": "choices"],
                        ["name": "d", "label": "D", "type": "int", "default": "ten"],
                        ["name": "e", "label": "E", "type": "bool", "default": "yes"],
                        ["name": "f", "label": "F", "type": "choices", "choices": [["label": "One", "value": 1]], "default": 2],
                        ["name": "g", "type": "string"],
                        ["name": "h", "label": "H"],
                    ])))
        #expect(error.fields["fields[0].name"] == ["This field is required."])
        #expect(error.fields["fields[2].name"] == ["Duplicate field name 'a'."])
        #expect(error.fields["fields[3].choices"] == ["A choices field needs a list of choices."])
        #expect(error.fields["fields[4].default"] == ["A valid integer is required."])
        #expect(error.fields["fields[5].default"] == ["Must be a valid boolean."])
        #expect(error.fields["fields[6].default"] == ["\"2\" is not a valid choice."])
        #expect(error.fields["fields[7].label"] == ["This field is required."])
        #expect(error.fields["fields[8].type"] == ["This field is required."])
    }

    @Test func fieldDefaultsAreNormalisedAndUnknownTypesAccepted() throws {
        let definition = try WorkflowDefinition.parse(
            definitionBody(
                rules: [["state": "all", "type": "all", "action": [["name": "dynamo.tasks.migrate"]]]],
                fields: [
                    ["name": "n", "label": "N", "type": "int", "default": "10"],
                    ["name": "c", "label": "C", "type": "choices", "choices": [["label": "One", "value": 1]], "default": "1"],
                    ["name": "p", "label": "P", "type": "pattern"],
                ]))
        #expect(definition.fields.map(\.defaultValue) == [10, 1, nil])
    }

    @Test func referencesMustNameDeclaredFields() throws {
        let error = try #require(
            definitionError(
                definitionBody(rules: [
                    [
                        "state": "all", "type": "all",
                        "action": [["name": "dynamo.tasks.reverse_stub", "site": "*target_site", "pattern": "*.tmp"]],
                    ]
                ])))
        #expect(error.fields.keys.sorted() == ["filter_rules[0].action[0].site"])
    }

    // MARK: - PATCH (L25445-25457)

    func sampleDefinition() throws -> WorkflowDefinition {
        try WorkflowDefinition.parse(
            definitionBody(
                rules: [["state": "all", "type": "all", "action": [["name": "dynamo.tasks.migrate"]]]],
                fields: [["name": "a", "label": "A", "type": "string"]], extra: ["discovery": "recursive"]))
    }

    @Test func patchChangesOnlyAllowedKeys() throws {
        let original = try sampleDefinition()
        let patched = try original.patched(with: [
            "label": "Dehydrate_updated", "icon_classes": [], "discovery": nil, "enabled": false, "id": 99,
            "preferred_queue": "fast", "fields": [],
        ])
        #expect(patched.label == "Dehydrate_updated")
        #expect(patched.discovery == nil)
        #expect(!patched.enabled)
        #expect(patched.preferredQueue == "fast")
        #expect(patched.fields == [])
        #expect(patched.filterRules == original.filterRules)
        #expect(patched.name == original.name)
        // The same name and external_only may be repeated.
        #expect(throws: Never.self) { try original.patched(with: ["name": "test_flow", "external_only": false]) }
    }

    @Test func patchRefusesNameAndExternalOnlyChanges() throws {
        let original = try sampleDefinition()
        #expect(throws: WorkflowValidationError.self) { try original.patched(with: ["name": "other"]) }
        do {
            _ = try original.patched(with: ["name": "other", "external_only": true, "filter_rules": []])
            Issue.record("expected an error")
        } catch {
            #expect(error.fields["name"] != nil)
            #expect(error.fields["external_only"] != nil)
            #expect(error.fields["filter_rules"] == ["This list may not be empty."])
        }
    }

    @Test func patchReplacesFilterRulesWholeAndValidates() throws {
        let original = try sampleDefinition()
        let patched = try original.patched(with: [
            "filter_rules": [["state": "created", "type": "file", "action": ["name": "dynamo.tasks.recall"]]]
        ])
        #expect(patched.filterRules.count == 1)
        #expect(patched.filterRules[0].state == "created")
        do {
            _ = try original.patched(with: ["filter_rules": [["state": "all", "type": "all", "action": [["name": "nope"]]]]])
            Issue.record("expected an error")
        } catch {
            #expect(error.fields["filter_rules[0].action[0].name"] != nil)
        }
    }
}
