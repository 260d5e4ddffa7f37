import HubCore
import Shared
import Testing

@Suite struct RuleMatcherTests {
    func rule(_ state: String, _ type: String, include: [String] = [], exclude: [String] = []) -> ResolvedRule {
        ResolvedRule(
            state: state, type: type, include: include, exclude: exclude,
            steps: [ResolvedStep(task: "dynamo.tasks.noop", site: "s", queue: "default", kwargs: [:])])
    }

    @Test func allRulesAreAdditive() {
        let matcher = RuleMatcher(rules: [rule("all", "all"), rule("created", "file"), rule("all", "all", exclude: ["*.tmp"])])
        #expect(matcher.rules(for: PathItem(path: "/a/b", state: "created", type: "file")) == [0, 1, 2])
        #expect(matcher.rules(for: PathItem(path: "/a/b.tmp", state: "created", type: "file")) == [0, 1])
        #expect(matcher.rules(for: PathItem(path: "/a/b", state: "deleted", type: "file")) == [0, 2])
    }

    @Test func defaultRulesTakeOnlyUnmatchedPaths() {
        let matcher = RuleMatcher(rules: [
            rule("created", "file"), rule("default", "default", include: ["/a/*"]), rule("moved", "all"),
            rule("default", "default"),
        ])
        #expect(matcher.rules(for: PathItem(path: "/a/x", state: "created", type: "file")) == [0])
        #expect(matcher.rules(for: PathItem(path: "/a/x", state: "moved", type: "directory")) == [2])
        // Unmatched: every matching default rule.
        #expect(matcher.rules(for: PathItem(path: "/a/x", state: "updated", type: "file")) == [1, 3])
        #expect(matcher.rules(for: PathItem(path: "/b/x", state: "updated", type: "file")) == [3])
        // A directory created matches no specific rule (type file), so it falls to default.
        #expect(matcher.rules(for: PathItem(path: "/b/x", state: "created", type: "directory")) == [3])
    }

    @Test func statelessPathsMatchOnlyAllAndDefaultRules() {
        let stateful = RuleMatcher(rules: [rule("modified", "all"), rule("moved", "all")])
        #expect(stateful.rules(for: PathItem(path: "/a")) == [])
        #expect(stateful.rules(for: PathItem(path: "/a", state: "moved")) == [1])
        let withAll = RuleMatcher(rules: [rule("modified", "all"), rule("all", "all")])
        #expect(withAll.rules(for: PathItem(path: "/a")) == [1])
        let withDefault = RuleMatcher(rules: [rule("modified", "all"), rule("default", "default")])
        #expect(withDefault.rules(for: PathItem(path: "/a")) == [1])
    }

    @Test func typesAndAliases() {
        let matcher = RuleMatcher(rules: [rule("all", "file"), rule("all", "symlink"), rule("all", "folder")])
        // An untyped path counts as a file.
        #expect(matcher.rules(for: PathItem(path: "/a")) == [0])
        #expect(matcher.rules(for: PathItem(path: "/a", type: "link")) == [1])
        #expect(matcher.rules(for: PathItem(path: "/a", type: "symlink")) == [1])
        #expect(matcher.rules(for: PathItem(path: "/a", type: "directory")) == [2])
    }

    @Test func includesAndExcludes() {
        // "a path matching any includes and not any excludes" (L10759).
        let matcher = RuleMatcher(rules: [rule("all", "all", include: ["/mmfs1/data/*", "/mmfs1/other/*"], exclude: ["*.tmp"])])
        #expect(matcher.rules(for: PathItem(path: "/mmfs1/data/x.txt")) == [0])
        #expect(matcher.rules(for: PathItem(path: "/mmfs1/other/deep/x.txt")) == [0])
        #expect(matcher.rules(for: PathItem(path: "/mmfs1/data/x.tmp")) == [])
        #expect(matcher.rules(for: PathItem(path: "/mmfs1/elsewhere/x.txt")) == [])
    }
}
