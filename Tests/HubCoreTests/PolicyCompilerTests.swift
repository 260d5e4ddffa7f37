import HubCore
import Shared
import Testing

/// Golden tests of the GPFS policy text the compiler emits (docs/policies.md).
@Suite struct PolicyCompilerTests {
    static let context = PolicySiteContext(
        site: 1,
        filesystems: [PolicySiteContext.Filesystem(name: "mmfs1", mount: "/mmfs1/", pools: ["system", "sas1", "nearline"])],
        spaces: [2: "/mmfs1/projects", 3: "/mmfs1/archive_2024/", 4: "/mmfs1/it's 100%", 5: "/srv/other", 6: "/mmfs1/projects/sub", 7: "/mmfs1"])

    func compile(_ text: String, _ change: (inout PolicyDefinition) -> Void = { _ in }) throws -> CompiledPolicy {
        var policy = try PolicyDefinition.parse(try jsonObject(text))
        change(&policy)
        return try PolicyCompiler.compile(policy, context: Self.context)
    }

    @Test func theManualsPostBody() throws {
        let compiled = try compile(PolicyExamples.post)
        #expect(compiled.text == """
            /* Ngenea Hub policy for site 1, filesystem mmfs1: MIGRATION, 1 hop(s) */
            RULE EXTERNAL POOL 'ngenea' EXEC '' ESCAPE '%/'
            RULE 'sas1_to_ngenea' MIGRATE FROM POOL 'sas1' WEIGHT(KB_ALLOCATED) TO POOL 'ngenea' SHOW(VARCHAR(FILE_SIZE))
                WHERE PATH_NAME LIKE '/mmfs1/projects/%'

            """)
        #expect(compiled.externalPool == "ngenea")
        #expect(compiled.directories == ["/mmfs1/projects"])
        #expect(compiled.hops.map(\.rule) == ["sas1_to_ngenea"])
        #expect(compiled.scanKwargs == [
            "policy": .string(compiled.text), "directories": ["/mmfs1/projects"], "threads": 4,
        ])
    }

    /// One pool that is not Ngenea has nowhere to send data: the policy compiles to no rule at all.
    @Test func theManualsGetObject() throws {
        let compiled = try compile(PolicyExamples.get)
        #expect(compiled.text == """
            /* Ngenea Hub policy for site 1, filesystem mmfs1: MIGRATION, 0 hop(s) */
            /* nothing to move: the hierarchy has one pool (sas1) and no destination; add a pool or set is_cloud. */

            """)
        #expect(compiled.isEmpty && compiled.externalPool == nil)
        #expect(compiled.notes == ["the hierarchy has one pool (sas1) and no destination; add a pool or set is_cloud."])
    }

    @Test func watermarksAgeSizeAndFiletypeConditions() throws {
        let compiled = try compile(PolicyExamples.watermarks)
        #expect(compiled.text == #"""
            /* Ngenea Hub policy for site 1, filesystem mmfs1: MIGRATION, 1 hop(s) */
            RULE EXTERNAL POOL 'ngenea' EXEC '' ESCAPE '%/'
            RULE 'sas1_to_ngenea' MIGRATE FROM POOL 'sas1' THRESHOLD(90,80,70) WEIGHT(DAYS(CURRENT_TIMESTAMP) - DAYS(ACCESS_TIME)) TO POOL 'ngenea' SHOW(VARCHAR(FILE_SIZE))
                WHERE (PATH_NAME LIKE '/mmfs1/archive\_2024/%' ESCAPE '\' OR PATH_NAME LIKE '/mmfs1/projects/%')
                  AND ((CURRENT_TIMESTAMP - ACCESS_TIME) > INTERVAL '365' DAYS AND FILE_SIZE > 1048576 AND (NAME LIKE '%.png' OR NAME LIKE '%.jpg'))

            """#)
        #expect(compiled.directories == ["/mmfs1/archive_2024", "/mmfs1/projects"])
        #expect(compiled.hops.first?.threshold == CompiledPolicy.Threshold(high: 90, low: 80, premigrate: 70))
    }

    /// Pool to pool with utilisation limits (L3514-3532), the smallest files first, two condition groups
    /// ORed with exclusions, and a space whose name needs quoting and LIKE escapes.
    @Test func poolHierarchyWithLimitsAndGroups() throws {
        let compiled = try compile("""
            {"name": "tiering", "site": 1, "spaces": [4, 2, 6], "filesystem": "mmfs1",
             "triggers": [{"pool_name": "system", "max_utilisation": 40}, {"pool_name": "nearline", "max_utilisation": 80},
                          {"pool_name": "sas1", "max_utilisation": 0}],
             "order": {"by": "file_size", "reverse": true},
             "condition_groups": [
                {"name": "stale", "date_conditions": [{"age": "2 weeks", "date_field": "modified", "older_or_newer": "older"}],
                 "filetype_conditions": [{"filetypes": ["tmp", ".bak"], "include": false}]},
                {"name": "recent small", "date_conditions": [{"age": "12 hours", "older_or_newer": "newer", "include": false}],
                 "filesize_conditions": [{"greater_or_less": "less", "size": 20, "include": false}]}]}
            """)
        #expect(compiled.text == #"""
            /* Ngenea Hub policy for site 1, filesystem mmfs1: MIGRATION, 2 hop(s) */
            RULE 'system_to_nearline' MIGRATE FROM POOL 'system' THRESHOLD(40,40) WEIGHT(-KB_ALLOCATED) TO POOL 'nearline' LIMIT(80) SHOW(VARCHAR(FILE_SIZE))
                WHERE (PATH_NAME LIKE '/mmfs1/it''s 100\%/%' ESCAPE '\' OR PATH_NAME LIKE '/mmfs1/projects/%')
                  AND (((CURRENT_TIMESTAMP - MODIFICATION_TIME) > INTERVAL '14' DAYS AND NOT (NAME LIKE '%.tmp' OR NAME LIKE '%.bak')) OR (NOT ((CURRENT_TIMESTAMP - ACCESS_TIME) < INTERVAL '12' HOURS) AND NOT (FILE_SIZE < 20)))
            RULE 'nearline_to_sas1' MIGRATE FROM POOL 'nearline' THRESHOLD(80,80) WEIGHT(-KB_ALLOCATED) TO POOL 'sas1' SHOW(VARCHAR(FILE_SIZE))
                WHERE (PATH_NAME LIKE '/mmfs1/it''s 100\%/%' ESCAPE '\' OR PATH_NAME LIKE '/mmfs1/projects/%')
                  AND (((CURRENT_TIMESTAMP - MODIFICATION_TIME) > INTERVAL '14' DAYS AND NOT (NAME LIKE '%.tmp' OR NAME LIKE '%.bak')) OR (NOT ((CURRENT_TIMESTAMP - ACCESS_TIME) < INTERVAL '12' HOURS) AND NOT (FILE_SIZE < 20)))

            """#)
        #expect(compiled.directories == ["/mmfs1/it's 100%", "/mmfs1/projects"], "the nested space is scanned with its parent")
        #expect(compiled.externalPool == nil)
    }

    @Test func outputIsDeterministicAndTheWholeFilesystemNeedsNoScope() throws {
        let first = try compile(PolicyExamples.watermarks)
        let reordered = try compile(PolicyExamples.watermarks) { $0.spaces = [2, 3] }
        #expect(first == reordered)
        let whole = try compile(PolicyExamples.post) { $0.spaces = [2, 7]; $0.order = PolicyOrder(by: .modificationTime, reverse: true) }
        #expect(whole.text.contains("WEIGHT(-(DAYS(CURRENT_TIMESTAMP) - DAYS(MODIFICATION_TIME)))"))
        #expect(!whole.text.contains("WHERE"))
        #expect(whole.directories == ["/mmfs1"])
    }

    @Test func theExternalPoolNameAvoidsTheSitesPools() throws {
        var context = Self.context
        context.filesystems[0].pools.append("ngenea")
        let policy = try PolicyDefinition.parse(try jsonObject(PolicyExamples.post))
        let compiled = try PolicyCompiler.compile(policy, context: context)
        #expect(compiled.externalPool == "ngenea_2")
        #expect(compiled.text.contains("RULE EXTERNAL POOL 'ngenea_2'") && compiled.text.contains("TO POOL 'ngenea_2'"))
    }

    @Test func compilingChecksTheSite() throws {
        let error = try #require(throws: PolicyValidationError.self) { try compile(PolicyExamples.post) { $0.spaces = [5] } }
        #expect(Set(error.fields.keys) == ["spaces[0]"])
    }
}
