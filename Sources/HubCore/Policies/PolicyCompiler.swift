/// Turns a policy into a GPFS policy file (docs/policies.md has the full mapping).
///
/// The file, for a run with `mmapplypolicy <dir> -P <file> -I defer -f <prefix>`:
/// - `RULE EXTERNAL POOL 'ngenea' EXEC '' ESCAPE '%/'` when a pool tiers to the Ngenea target: the
///   chosen files are only written to `<prefix>.list.ngenea` (percent-encoded, so any name survives),
///   and the hub's own migrate steps move them;
/// - one `MIGRATE FROM POOL 'a' [THRESHOLD(...)] [WEIGHT(...)] TO POOL 'b' [LIMIT(n)] SHOW(...) [WHERE ...]`
///   per step of the hierarchy, with the spaces and the condition groups in the WHERE clause.
///
/// The output depends only on the policy and the context (sorted spaces, fixed layout), so a policy
/// compiles to the same bytes every time and golden tests can pin it.
public enum PolicyCompiler {
    /// The external pool standing for the Ngenea target, unless the filesystem has a pool of that name.
    static let externalPoolName = "ngenea"

    /// Validates the policy against its site, then compiles it.
    public static func compile(_ policy: PolicyDefinition, context: PolicySiteContext) throws(PolicyValidationError) -> CompiledPolicy {
        try policy.validate(against: context)
        guard let fs = context.filesystem(named: policy.filesystem), let mount = PathScope.normalized(fs.mount) else {
            throw PolicyValidationError(field: "filesystem", "Filesystem '\(policy.filesystem)' does not exist on this site.")
        }
        let directories = PathScope.outermost(policy.spaces.compactMap { context.spaces[$0].flatMap(PathScope.normalized) })
        var notes: [String] = []
        let external = externalName(avoiding: fs.pools)
        let hops = self.hops(policy.triggers, externalPool: external, notes: &notes)
        let usesExternal = hops.contains(where: \.toNgenea)

        var lines = [
            "/* Ngenea Hub policy for site \(policy.site), filesystem \(PolicySQL.identifier(policy.filesystem)): "
                + "\(PolicySQL.identifier(policy.policyType)), \(hops.count) hop(s) */"
        ]
        if usesExternal {
            lines.append("RULE EXTERNAL POOL \(PolicySQL.string(external)) EXEC '' ESCAPE '%/'")
        }
        let whereClause = self.whereClause(scope: directories.filter { $0 != mount }, groups: policy.conditionGroups)
        for hop in hops {
            lines.append(rule(hop, order: policy.order, whereClause: whereClause))
        }
        if hops.isEmpty {
            lines.append("/* nothing to move: \(notes.joined(separator: " ")) */")
        }
        return CompiledPolicy(
            text: lines.joined(separator: "\n") + "\n", hops: hops, externalPool: usesExternal ? external : nil,
            directories: directories, threads: policy.threads, notes: notes)
    }

    static func externalName(avoiding pools: [String]) -> String {
        var name = externalPoolName
        var suffix = 1
        while pools.contains(name) {
            suffix += 1
            name = "\(externalPoolName)_\(suffix)"
        }
        return name
    }

    /// The steps of the hierarchy: pool i -> pool i+1, or the one pool -> the Ngenea target.
    static func hops(_ triggers: [PolicyTrigger], externalPool: String, notes: inout [String]) -> [CompiledPolicy.Hop] {
        if triggers.count == 1, let only = triggers.first {
            guard only.isCloud else {
                notes.append("the hierarchy has one pool (\(only.poolName)) and no destination; add a pool or set is_cloud.")
                return []
            }
            return [hop(from: only, to: externalPool, toNgenea: true, destination: nil)]
        }
        return zip(triggers, triggers.dropFirst()).map { source, destination in
            hop(from: source, to: destination.poolName, toNgenea: false, destination: destination)
        }
    }

    private static func hop(from source: PolicyTrigger, to pool: String, toNgenea: Bool, destination: PolicyTrigger?) -> CompiledPolicy.Hop {
        CompiledPolicy.Hop(
            rule: PolicySQL.identifier("\(source.poolName)_to_\(pool)"), fromPool: source.poolName, toPool: pool,
            toNgenea: toNgenea, threshold: threshold(source, premigrate: toNgenea),
            limit: destination?.maxUtilisation.flatMap { $0 > 0 ? $0 : nil })
    }

    /// The Ngenea watermarks when set (upper > 0); otherwise the source pool's maximum utilisation as
    /// THRESHOLD(max, max): tier what fills the pool beyond it, until it is back at it. Zero means
    /// "regardless of utilisation" (L20900): no THRESHOLD, every matching file.
    static func threshold(_ trigger: PolicyTrigger, premigrate: Bool) -> CompiledPolicy.Threshold? {
        if let upper = trigger.upperThreshold, upper > 0 {
            let premigrateMark = premigrate ? trigger.premigrateThreshold.flatMap { $0 > 0 ? $0 : nil } : nil
            return CompiledPolicy.Threshold(high: upper, low: trigger.lowerThreshold ?? 0, premigrate: premigrateMark)
        }
        if let maximum = trigger.maxUtilisation, maximum > 0 {
            return CompiledPolicy.Threshold(high: maximum, low: maximum, premigrate: nil)
        }
        return nil
    }

    private static func rule(_ hop: CompiledPolicy.Hop, order: PolicyOrder?, whereClause: String?) -> String {
        var text = "RULE \(PolicySQL.string(hop.rule)) MIGRATE FROM POOL \(PolicySQL.string(hop.fromPool))"
        if let threshold = hop.threshold {
            var marks = [threshold.high, threshold.low].map(PolicySQL.number)
            if let premigrate = threshold.premigrate { marks.append(PolicySQL.number(premigrate)) }
            text += " THRESHOLD(\(marks.joined(separator: ",")))"
        }
        if let order { text += " WEIGHT(\(weight(order)))" }
        text += " TO POOL \(PolicySQL.string(hop.toPool))"
        if let limit = hop.limit { text += " LIMIT(\(PolicySQL.number(limit)))" }
        // The size travels in the list, so the worker need not stat every chosen file again.
        text += " SHOW(VARCHAR(FILE_SIZE))"
        if let whereClause { text += "\n    WHERE " + whereClause }
        return text
    }

    /// Highest weight first. Size is KB_ALLOCATED, the space a migration frees (a stub weighs nothing);
    /// ages are whole days since the last access, modification or change; `reverse` negates.
    static func weight(_ order: PolicyOrder) -> String {
        let expression: String
        switch order.by {
        case .fileSize: expression = "KB_ALLOCATED"
        case .accessTime: expression = "DAYS(CURRENT_TIMESTAMP) - DAYS(ACCESS_TIME)"
        case .modificationTime: expression = "DAYS(CURRENT_TIMESTAMP) - DAYS(MODIFICATION_TIME)"
        case .changeTime: expression = "DAYS(CURRENT_TIMESTAMP) - DAYS(CHANGE_TIME)"
        }
        guard order.reverse else { return expression }
        return order.by == .fileSize ? "-" + expression : "-(" + expression + ")"
    }

    /// `scope AND conditions`: the files under one of the spaces (none when a space is the whole
    /// filesystem) that match at least one condition group (none: every file).
    static func whereClause(scope directories: [String], groups: [PolicyConditionGroup]) -> String? {
        var conjuncts: [String] = []
        if !directories.isEmpty {
            conjuncts.append(PolicySQL.any(directories.map { PolicySQL.like("PATH_NAME", literal: $0 + "/", wildcardSuffix: "%") }))
        }
        if !groups.isEmpty {
            conjuncts.append(PolicySQL.any(groups.map { PolicySQL.all(conditions($0)) }))
        }
        return conjuncts.isEmpty ? nil : conjuncts.joined(separator: "\n      AND ")
    }

    static func conditions(_ group: PolicyConditionGroup) -> [String] {
        var terms: [String] = []
        for condition in group.dateConditions {
            let attribute: String
            switch condition.field {
            case .accessTime: attribute = "ACCESS_TIME"
            case .modificationTime: attribute = "MODIFICATION_TIME"
            case .changeTime: attribute = "CHANGE_TIME"
            }
            let comparison = condition.direction == .older ? ">" : "<"
            let term = "(CURRENT_TIMESTAMP - \(attribute)) \(comparison) INTERVAL '\(condition.age.amount)' \(condition.age.unit.rawValue)"
            terms.append(included(term, condition.include))
        }
        for condition in group.filesizeConditions {
            let term = "FILE_SIZE \(condition.comparison == .greater ? ">" : "<") \(condition.size)"
            terms.append(included(term, condition.include))
        }
        for condition in group.filetypeConditions {
            let globs = condition.filetypes.map { PolicySQL.likeGlob("NAME", glob: FiletypeCondition.glob($0)) }
            if condition.include {
                terms.append(PolicySQL.any(globs))
            } else {
                terms.append("NOT (\(globs.joined(separator: " OR ")))")
            }
        }
        return terms
    }

    private static func included(_ term: String, _ include: Bool) -> String {
        include ? term : "NOT (\(term))"
    }
}
