/// Expressions of WHERE, WEIGHT and SHOW clauses.
indirect enum PolicyExpr {
    case number(Double)
    case string(String)
    case attribute(String)
    case call(String, [PolicyExpr])
    /// `INTERVAL 'n' DAYS|HOURS|MINUTES|SECONDS`, as seconds.
    case interval(Double)
    case negate(PolicyExpr)
    case not(PolicyExpr)
    case and(PolicyExpr, PolicyExpr)
    case or(PolicyExpr, PolicyExpr)
    /// = <> < <= > >= + - * / ||
    case binary(String, PolicyExpr, PolicyExpr)
    /// `LIKE pattern [ESCAPE 'c']`: `c` makes the next `%`, `_` or `c` of the pattern literal.
    case like(PolicyExpr, PolicyExpr, negated: Bool, escape: Unicode.Scalar?)
    case inList(PolicyExpr, [PolicyExpr], negated: Bool)
    case isNull(PolicyExpr, negated: Bool)
}

/// The supported rule forms.
struct PolicyRule {
    enum Kind {
        case externalList(name: String, exec: String, opts: String?, escape: String?)
        case externalPool(name: String, exec: String, opts: String?, escape: String?)
        case list(name: String, fromPool: String?, directoriesPlus: Bool, show: [PolicyExpr], weight: PolicyExpr?, condition: PolicyExpr?)
        case migrate(Migrate)
        case exclude(fromPool: String?, directoriesPlus: Bool, condition: PolicyExpr?)
    }

    struct Migrate {
        let fromPool: String?
        let threshold: Threshold?
        let weight: PolicyExpr?
        let toPool: String
        /// `LIMIT(n)`: an internal destination pool takes files only while it stays at or below n%.
        let limit: Double?
        let show: [PolicyExpr]
        let condition: PolicyExpr?
    }

    struct Threshold {
        let high: Double
        let low: Double
        let premigrate: Double?
    }

    let name: String
    let line: Int
    let kind: Kind
    /// The rule's text as a short label for the summary.
    let label: String
}
