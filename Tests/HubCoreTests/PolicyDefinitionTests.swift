import HubCore
import Shared
import Testing

/// The manual's bodies (seed 002): the POST example and the GET object.
enum PolicyExamples {
    static let post = """
        {"schedule": {"timezone": "UTC", "minute": "0", "hour": "0", "day_of_week": "1", "day_of_month": "*",
                      "month_of_year": "*", "time": "00:00:00", "first_occur": false, "start_date_time": null},
         "triggers": [{"pool_name": "sas1", "max_utilisation": 0, "lower_threshold": 0, "upper_threshold": 0,
                       "premigrate_threshold": 0, "is_cloud": true}],
         "order": {"by": "file_size", "reverse": false},
         "name": "Test Policy", "policy_type": "MIGRATION", "filesystem": "mmfs1",
         "created": "2025-06-27T14:14:31.272573Z", "enabled": true, "threads": 4, "site": 1, "spaces": [2]}
        """

    static let get = """
        {"id": 1,
         "schedule": {"id": 1, "timezone": "UTC", "minute": "0", "hour": "0", "day_of_week": "1", "day_of_month": "*",
                      "month_of_year": "*", "time": "00:00:00", "first_occur": false, "start_date_time": null},
         "triggers": [{"id": 1, "pool_name": "sas1", "max_utilisation": null, "upper_threshold": null,
                       "lower_threshold": null, "premigrate_threshold": null, "is_cloud": false}],
         "order": {"id": 1, "by": "file_size", "reverse": false},
         "condition_groups": [],
         "name": "Example", "policy_type": "MIGRATION", "filesystem": "mmfs1",
         "created": "2025-06-27T14:14:31.272573Z", "enabled": true, "threads": 4, "site": 1, "spaces": [2]}
        """

    /// Ngenea watermarks 90/80/70 (the UI's example, L3620-3648), oldest access first, and a condition
    /// group with an age, a size and a filetype condition, over two spaces.
    static let watermarks = """
        {"name": "Oldest images", "filesystem": "mmfs1", "site": 1, "spaces": [3, 2], "threads": 2,
         "triggers": [{"pool_name": "sas1", "upper_threshold": 90, "lower_threshold": 80, "premigrate_threshold": 70,
                       "is_cloud": true}],
         "order": {"by": "access_time", "reverse": false},
         "condition_groups": [{"name": "Oldest images",
            "date_conditions": [{"age": "365", "date_field": "accessed", "older_or_newer": "older", "include": true}],
            "filesize_conditions": [{"greater_or_less": "greater", "size": 1048576, "include": true}],
            "filetype_conditions": [{"filetypes": ["*.png", "*.jpg"], "include": true}]}]}
        """
}

@Suite struct PolicyDefinitionTests {
    @Test func parsesTheManualsPostBody() throws {
        let policy = try PolicyDefinition.parse(try jsonObject(PolicyExamples.post))
        #expect(policy.name == "Test Policy")
        #expect(policy.policyType == "MIGRATION")
        #expect(policy.filesystem == "mmfs1")
        #expect(policy.enabled && policy.threads == 4 && policy.site == 1 && policy.spaces == [2])
        #expect(policy.schedule == PolicySchedule(
            timezone: "UTC", minute: "0", hour: "0", dayOfWeek: "1", dayOfMonth: "*", monthOfYear: "*", time: "00:00:00"))
        #expect(policy.triggers == [PolicyTrigger(
            poolName: "sas1", maxUtilisation: 0, upperThreshold: 0, lowerThreshold: 0, premigrateThreshold: 0, isCloud: true)])
        #expect(policy.order == PolicyOrder(by: .fileSize))
        #expect(policy.conditionGroups.isEmpty)
        // What the hub stores parses back to the same policy.
        #expect(try PolicyDefinition.parse(policy.jsonObject) == policy)
    }

    @Test func parsesTheManualsGetObjectIgnoringReadOnlyFields() throws {
        let policy = try PolicyDefinition.parse(try jsonObject(PolicyExamples.get))
        #expect(policy.name == "Example")
        #expect(policy.triggers == [PolicyTrigger(poolName: "sas1")])
        #expect(policy.jsonObject["id"] == nil && policy.jsonObject["created"] == nil)
    }

    @Test func parsesConditionGroups() throws {
        let policy = try PolicyDefinition.parse(try jsonObject(PolicyExamples.watermarks))
        #expect(policy.spaces == [3, 2])
        let group = try #require(policy.conditionGroups.first)
        #expect(group.name == "Oldest images")
        #expect(group.dateConditions == [DateCondition(field: .accessTime, direction: .older, age: PolicyAge(amount: 365, unit: .days, text: "365"))])
        #expect(group.filesizeConditions == [FilesizeCondition(comparison: .greater, size: 1_048_576)])
        #expect(group.filetypeConditions == [FiletypeCondition(filetypes: ["*.png", "*.jpg"])])
        #expect(try PolicyDefinition.parse(policy.jsonObject) == policy)
    }

    @Test func defaultsForAMinimalBody() throws {
        let policy = try PolicyDefinition.parse(try jsonObject(#"{"name": "p", "site": 1, "spaces": [1], "triggers": [{"pool_name": "a"}]}"#))
        #expect(policy.policyType == "MIGRATION" && policy.filesystem == "mmfs1" && policy.enabled)
        #expect(policy.threads == 1 && policy.schedule == nil && policy.order == nil && !policy.runImmediately)
    }

    @Test func reportsEveryBadFieldByItsPath() throws {
        let body = try jsonObject("""
            {"name": " ", "policy_type": "DELETE", "threads": 0, "spaces": ["two"], "enabled": "maybe",
             "schedule": {"time": "25:00", "minute": [1]},
             "triggers": [{"pool_name": "a", "upper_threshold": 150, "max_utilisation": "lots"},
                          {"pool_name": "b", "upper_threshold": 50, "lower_threshold": 60},
                          {"pool_name": "c", "upper_threshold": 90, "lower_threshold": 80, "premigrate_threshold": 85},
                          {"lower_threshold": 10}],
             "order": {"by": "colour", "reverse": false},
             "condition_groups": [
                {"name": "g", "colour_conditions": [], "date_conditions": [{"age": "soon", "date_field": "born", "older_or_newer": "later"}]},
                {"name": "h", "filesize_conditions": [{"greater_or_less": "bigger", "size": -1}],
                 "filetype_conditions": [{"filetypes": ["*.[jp]g", "a/b", ""]}]},
                {"name": "empty"}]}
            """)
        let error = try #require(throws: PolicyValidationError.self) { try PolicyDefinition.parse(body) }
        #expect(Set(error.fields.keys) == [
            "name", "policy_type", "threads", "site", "spaces[0]", "enabled", "schedule.time", "schedule.minute",
            "triggers[0].upper_threshold", "triggers[0].max_utilisation", "triggers[1].lower_threshold",
            "triggers[2].premigrate_threshold", "triggers[3].pool_name", "triggers[3].lower_threshold", "order.by",
            "condition_groups[0].colour_conditions", "condition_groups[0].date_conditions[0].age",
            "condition_groups[0].date_conditions[0].date_field", "condition_groups[0].date_conditions[0].older_or_newer",
            "condition_groups[1].filesize_conditions[0].greater_or_less", "condition_groups[1].filesize_conditions[0].size",
            "condition_groups[1].filetype_conditions[0].filetypes[0]", "condition_groups[1].filetype_conditions[0].filetypes[1]",
            "condition_groups[1].filetype_conditions[0].filetypes[2]", "condition_groups[2]",
        ], "\(error)")
        #expect(error.fields["threads"] == ["Ensure this value is greater than or equal to 1."])
        #expect(error.fields["triggers[0].upper_threshold"] == ["Ensure this value is less than or equal to 100."])
        #expect(error.fields["triggers[1].lower_threshold"] == ["Must not be above upper_threshold (50)."])
        #expect(error.fields["order.by"]?.first?.contains("file_size, access_time, modification_time, change_time") == true)
        #expect(error.fields["condition_groups[0].colour_conditions"]?.first?.hasPrefix("Unknown condition type") == true)
    }

    @Test func requiredListsAndTheNgeneaHint() throws {
        let missing = try #require(throws: PolicyValidationError.self) { try PolicyDefinition.parse(try jsonObject(#"{"name": "p", "site": 1}"#)) }
        #expect(missing.fields == ["spaces": ["This field is required."], "triggers": ["This field is required."]])
        let empty = try #require(throws: PolicyValidationError.self) {
            try PolicyDefinition.parse(try jsonObject(#"{"name": "p", "site": 1, "spaces": [], "triggers": []}"#))
        }
        #expect(empty.fields == ["spaces": ["This list may not be empty."], "triggers": ["This list may not be empty."]])
        // Ngenea with more than one other pool, and a pool twice in the hierarchy.
        let hierarchy = try #require(throws: PolicyValidationError.self) {
            try PolicyDefinition.parse(try jsonObject("""
                {"name": "p", "site": 1, "spaces": [1], "triggers": [{"pool_name": "a"}, {"pool_name": "b", "is_cloud": true},
                 {"pool_name": "a"}]}
                """))
        }
        #expect(Set(hierarchy.fields.keys) == ["triggers[1].is_cloud", "triggers[2].pool_name"])
    }

    @Test func patchReplacesTheGivenFieldsAndValidatesTheResult() throws {
        let policy = try PolicyDefinition.parse(try jsonObject(PolicyExamples.post))
        // The manual's PATCH example: the whole body with a new name.
        var body = try jsonObject(PolicyExamples.post)
        body["name"] = "Test Policy Updated"
        let renamed = try policy.patched(with: body)
        #expect(renamed.name == "Test Policy Updated")
        #expect(renamed.triggers == policy.triggers && renamed.schedule == policy.schedule)

        // A nested object is replaced as given, not merged: the other cron fields fall back to "*".
        let hourly = try policy.patched(with: ["schedule": ["hour": "3"], "threads": 8])
        #expect(hourly.schedule == PolicySchedule(hour: "3"))
        #expect(hourly.threads == 8 && hourly.name == "Test Policy")
        #expect(try policy.patched(with: ["schedule": nil]).schedule == nil)

        let error = try #require(throws: PolicyValidationError.self) {
            try policy.patched(with: ["triggers": [["pool_name": "sas1", "upper_threshold": 10, "lower_threshold": 20]]])
        }
        #expect(Set(error.fields.keys) == ["triggers[0].lower_threshold"])
        let created = try PolicyDefinition.parse(try jsonObject(#"{"name": "p", "site": 1, "spaces": [1], "triggers": [{"pool_name": "a"}], "run_immediately": true}"#))
        #expect(created.runImmediately)
        #expect(try !created.patched(with: ["name": "q"]).runImmediately)
    }

    @Test func validatesAgainstTheSite() throws {
        let context = PolicyCompilerTests.context
        let good = try PolicyDefinition.parse(try jsonObject(PolicyExamples.watermarks))
        try good.validate(against: context)

        var bad = good
        bad.triggers = [PolicyTrigger(poolName: "ssd"), PolicyTrigger(poolName: "sas1")]
        bad.spaces = [2, 9, 5]
        let error = try #require(throws: PolicyValidationError.self) { try bad.validate(against: context) }
        #expect(Set(error.fields.keys) == ["triggers[0].pool_name", "spaces[1]", "spaces[2]"], "\(error)")
        #expect(error.fields["triggers[0].pool_name"]?.first?.contains("pools: system, sas1, nearline") == true)
        #expect(error.fields["spaces[2]"]?.first?.contains("not under /mmfs1") == true)

        bad.filesystem = "gpfs2"
        let filesystem = try #require(throws: PolicyValidationError.self) { try bad.validate(against: context) }
        #expect(filesystem.fields["filesystem"] == ["Filesystem 'gpfs2' does not exist on this site (filesystems: mmfs1)."])
    }
}
