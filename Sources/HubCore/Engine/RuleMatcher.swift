import Shared

/// Decides which resolved rules a discovered path goes to (L10328-10351, L10757-10761).
///
/// A rule matches when its state, its type and its patterns match. Every matching non-default rule
/// applies (an `all` rule adds its chain to whatever else matched, L10351); `default` rules take
/// only the paths no other rule matched (L10347).
public struct RuleMatcher: Sendable {
    struct CompiledRule: Sendable {
        var state: String
        var type: String
        var include: [GlobPattern]
        var exclude: [GlobPattern]
        var isDefault: Bool { state == FilterRule.defaultState }
    }

    let rules: [CompiledRule]

    public init(rules: [ResolvedRule]) {
        self.rules = rules.map { rule in
            CompiledRule(
                state: rule.state, type: FilterRule.normalisedType(rule.type), include: rule.include.map(GlobPattern.init),
                exclude: rule.exclude.map(GlobPattern.init))
        }
    }

    /// Indices of the rules `item` goes to, in rule order.
    public func rules(for item: PathItem) -> [Int] {
        var specific: [Int] = []
        var defaults: [Int] = []
        for (index, rule) in rules.enumerated() where Self.matches(rule, item) {
            if rule.isDefault { defaults.append(index) } else { specific.append(index) }
        }
        return specific.isEmpty ? defaults : specific
    }

    static func matches(_ rule: CompiledRule, _ item: PathItem) -> Bool {
        stateMatches(rule.state, item.state) && typeMatches(rule.type, item.type) && patternsMatch(rule, item.path)
    }

    /// `all` and `default` rules take any state. Other rules need the item's own state: a path with no
    /// state (given as a plain string, or from recursive discovery, whose only state is `all`, L10712)
    /// goes only to `all` and `default` rules.
    static func stateMatches(_ ruleState: String, _ itemState: String?) -> Bool {
        if ruleState == FilterRule.allState || ruleState == FilterRule.defaultState { return true }
        return itemState == ruleState
    }

    /// A path of unknown type counts as a file: user-given paths are not typed until discovery looks.
    static func typeMatches(_ ruleType: String, _ itemType: String?) -> Bool {
        if ruleType == FilterRule.allState || ruleType == FilterRule.defaultState { return true }
        return ruleType == FilterRule.normalisedType(itemType ?? "file")
    }

    /// "A path matching any includes and not any excludes"; no includes means all included (L10759-10761).
    static func patternsMatch(_ rule: CompiledRule, _ path: String) -> Bool {
        let included = rule.include.isEmpty || rule.include.contains { $0.matches(path) }
        return included && !rule.exclude.contains { $0.matches(path) }
    }
}
