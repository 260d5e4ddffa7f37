/// A recursive-descent parser for the supported rule forms. Anything else is rejected with the line.
struct PolicyParser {
    private let tokens: [PolicyToken]
    private var i = 0

    static let attributes: Set<String> = [
        "PATH_NAME", "NAME", "FILE_SIZE", "KB_ALLOCATED", "MODIFICATION_TIME", "ACCESS_TIME", "CHANGE_TIME",
        "CURRENT_TIMESTAMP", "MISC_ATTRIBUTES", "POOL_NAME", "FILESET_NAME", "USER_ID", "GROUP_ID", "MODE", "INODE",
        "NLINK", "GENERATION",
    ]
    static let functions: [String: Int] = ["DAYS": 1, "HOURS": 1, "VARCHAR": 1, "CHAR": 1, "INT": 1, "INTEGER": 1, "LOWER": 1, "UPPER": 1, "LENGTH": 1]

    static func parse(_ source: String) throws(PolicyError) -> [PolicyRule] {
        var parser = PolicyParser(tokens: try PolicyLexer.tokenize(source))
        var rules: [PolicyRule] = []
        while true {
            while parser.peekSymbol(";") { parser.i += 1 }
            if case .end = parser.current.kind { break }
            rules.append(try parser.rule())
        }
        if rules.isEmpty { throw PolicyError(line: 1, message: "the policy has no rules") }
        return rules
    }

    private init(tokens: [PolicyToken]) { self.tokens = tokens }

    private var current: PolicyToken { tokens[min(i, tokens.count - 1)] }

    private func fail(_ message: String) -> PolicyError { PolicyError(line: current.line, message: message) }

    private func peekWord(_ word: String) -> Bool {
        if case .word(let w) = current.kind { return w == word }
        return false
    }

    private func peekSymbol(_ s: String) -> Bool {
        if case .symbol(let x) = current.kind { return x == s }
        return false
    }

    private mutating func acceptWord(_ word: String) -> Bool {
        guard peekWord(word) else { return false }
        i += 1
        return true
    }

    private mutating func expectWord(_ word: String) throws(PolicyError) {
        guard acceptWord(word) else { throw fail("expected \(word), found \(current.text)") }
    }

    private mutating func expectSymbol(_ s: String) throws(PolicyError) {
        guard peekSymbol(s) else { throw fail("expected '\(s)', found \(current.text)") }
        i += 1
    }

    private mutating func quoted(_ what: String) throws(PolicyError) -> String {
        guard case .string(let s) = current.kind else { throw fail("expected a quoted \(what), found \(current.text)") }
        i += 1
        return s
    }

    private mutating func number(_ what: String) throws(PolicyError) -> Double {
        var sign = 1.0
        if peekSymbol("-") { sign = -1; i += 1 }
        guard case .number(let n) = current.kind else { throw fail("expected a number for \(what), found \(current.text)") }
        i += 1
        return n * sign
    }

    // MARK: rules

    private mutating func rule() throws(PolicyError) -> PolicyRule {
        let line = current.line
        let startIndex = i
        guard acceptWord("RULE") else {
            if peekWord("DEFINE") { throw fail("m4 define() macros are not supported") }
            throw fail("expected RULE, found \(current.text)")
        }
        var name = "rule\(line)"
        if case .string(let s) = current.kind { name = s; i += 1 }
        if peekWord("WHEN") { throw fail("WHEN clauses are not supported") }
        let kind: PolicyRule.Kind
        if acceptWord("EXTERNAL") {
            if acceptWord("LIST") {
                let list = try quoted("list name")
                let (exec, opts, escape) = try externalClauses()
                kind = .externalList(name: list, exec: exec, opts: opts, escape: escape)
            } else if acceptWord("POOL") {
                let pool = try quoted("pool name")
                let (exec, opts, escape) = try externalClauses()
                kind = .externalPool(name: pool, exec: exec, opts: opts, escape: escape)
            } else {
                throw fail("expected LIST or POOL after EXTERNAL, found \(current.text)")
            }
        } else if acceptWord("LIST") {
            let list = try quoted("list name")
            var fromPool: String?
            var directoriesPlus = false
            var show: [PolicyExpr] = []
            var weight: PolicyExpr?
            while true {
                if acceptWord("DIRECTORIES_PLUS") { directoriesPlus = true }
                else if acceptWord("FROM") { try expectWord("POOL"); fromPool = try quoted("pool name") }
                else if acceptWord("SHOW") { show = try parenthesisedList() }
                else if acceptWord("WEIGHT") { weight = try parenthesised() }
                else { break }
            }
            let condition = try whereClause()
            kind = .list(name: list, fromPool: fromPool, directoriesPlus: directoriesPlus, show: show, weight: weight, condition: condition)
        } else if acceptWord("MIGRATE") {
            var fromPool: String?
            var threshold: PolicyRule.Threshold?
            var weight: PolicyExpr?
            var toPool: String?
            var limit: Double?
            var show: [PolicyExpr] = []
            while true {
                if acceptWord("FROM") { try expectWord("POOL"); fromPool = try quoted("pool name") }
                else if acceptWord("THRESHOLD") { threshold = try thresholdClause() }
                else if acceptWord("WEIGHT") { weight = try parenthesised() }
                else if acceptWord("TO") { try expectWord("POOL"); toPool = try quoted("pool name") }
                else if acceptWord("LIMIT") { limit = try limitClause() }
                else if acceptWord("SHOW") { show = try parenthesisedList() }
                else { break }
            }
            guard let toPool else { throw fail("MIGRATE needs TO POOL 'name'") }
            if threshold != nil && fromPool == nil { throw fail("THRESHOLD needs FROM POOL") }
            let condition = try whereClause()
            kind = .migrate(PolicyRule.Migrate(
                fromPool: fromPool, threshold: threshold, weight: weight, toPool: toPool, limit: limit, show: show, condition: condition))
        } else if acceptWord("EXCLUDE") {
            var fromPool: String?
            var directoriesPlus = false
            while true {
                if acceptWord("DIRECTORIES_PLUS") { directoriesPlus = true }
                else if acceptWord("FROM") { try expectWord("POOL"); fromPool = try quoted("pool name") }
                else { break }
            }
            kind = .exclude(fromPool: fromPool, directoriesPlus: directoriesPlus, condition: try whereClause())
        } else {
            throw fail("unsupported rule type \(current.text) (supported: EXTERNAL LIST, EXTERNAL POOL, LIST, MIGRATE, EXCLUDE)")
        }
        // A rule ends at ';', at the next RULE or at the end.
        if !peekSymbol(";") && !peekWord("RULE") {
            if case .end = current.kind {} else { throw fail("unexpected \(current.text) in rule '\(name)'") }
        }
        var label = ""
        var previous = ""
        for token in tokens[startIndex..<i] {
            let text = token.text
            if !label.isEmpty && previous != "(" && text != ")" && text != "," && text != "(" { label += " " }
            label += text
            previous = text
        }
        return PolicyRule(name: name, line: line, kind: kind, label: label.count > 70 ? String(label.prefix(67)) + "..." : label)
    }

    private mutating func externalClauses() throws(PolicyError) -> (String, String?, String?) {
        var exec: String?
        var opts: String?
        var escape: String?
        while true {
            if acceptWord("EXEC") { exec = try quoted("program") }
            else if acceptWord("OPTS") { opts = try quoted("options string") }
            else if acceptWord("ESCAPE") { escape = try quoted("escape set") }
            else { break }
        }
        guard let exec else { throw fail("EXTERNAL rules need EXEC 'program' (EXEC '' for none)") }
        return (exec, opts, escape)
    }

    private mutating func thresholdClause() throws(PolicyError) -> PolicyRule.Threshold {
        try expectSymbol("(")
        let high = try number("THRESHOLD high")
        try expectSymbol(",")
        let low = try number("THRESHOLD low")
        var premigrate: Double?
        if peekSymbol(",") { i += 1; premigrate = try number("THRESHOLD premigrate") }
        try expectSymbol(")")
        guard (0...100).contains(high), (0...100).contains(low), low <= high else {
            throw fail("THRESHOLD(high,low) needs 0 <= low <= high <= 100")
        }
        if let premigrate, !(0...low).contains(premigrate) {
            throw fail("THRESHOLD(high,low,premigrate) needs 0 <= premigrate <= low")
        }
        return PolicyRule.Threshold(high: high, low: low, premigrate: premigrate)
    }

    private mutating func limitClause() throws(PolicyError) -> Double {
        try expectSymbol("(")
        let limit = try number("LIMIT")
        try expectSymbol(")")
        guard (0...100).contains(limit) else { throw fail("LIMIT(n) needs 0 <= n <= 100") }
        return limit
    }

    private mutating func whereClause() throws(PolicyError) -> PolicyExpr? {
        guard acceptWord("WHERE") else { return nil }
        return try expression()
    }

    private mutating func parenthesised() throws(PolicyError) -> PolicyExpr {
        try expectSymbol("(")
        let e = try expression()
        try expectSymbol(")")
        return e
    }

    private mutating func parenthesisedList() throws(PolicyError) -> [PolicyExpr] {
        try expectSymbol("(")
        var items = [try expression()]
        while peekSymbol(",") { i += 1; items.append(try expression()) }
        try expectSymbol(")")
        return items
    }

    // MARK: expressions (precedence: OR < AND < NOT < comparison < || < + - < * / < unary)

    private mutating func expression() throws(PolicyError) -> PolicyExpr {
        var left = try conjunction()
        while acceptWord("OR") { left = .or(left, try conjunction()) }
        return left
    }

    private mutating func conjunction() throws(PolicyError) -> PolicyExpr {
        var left = try negation()
        while acceptWord("AND") { left = .and(left, try negation()) }
        return left
    }

    private mutating func negation() throws(PolicyError) -> PolicyExpr {
        if acceptWord("NOT") { return .not(try negation()) }
        return try comparison()
    }

    private mutating func comparison() throws(PolicyError) -> PolicyExpr {
        let left = try concatenation()
        if case .symbol(let op) = current.kind, ["=", "<>", "<", "<=", ">", ">="].contains(op) {
            i += 1
            return .binary(op, left, try concatenation())
        }
        var negated = false
        if peekWord("NOT"), i + 1 < tokens.count, case .word(let next) = tokens[i + 1].kind, next == "LIKE" || next == "IN" {
            i += 1
            negated = true
        }
        if acceptWord("LIKE") {
            let pattern = try concatenation()
            var escape: Unicode.Scalar?
            if acceptWord("ESCAPE") {
                let text = try quoted("escape character")
                guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first else {
                    throw fail("ESCAPE takes exactly one character, got '\(text)'")
                }
                escape = scalar
            }
            return .like(left, pattern, negated: negated, escape: escape)
        }
        if acceptWord("IN") { return .inList(left, try parenthesisedList(), negated: negated) }
        if negated { throw fail("expected LIKE or IN after NOT") }
        if acceptWord("IS") {
            let not = acceptWord("NOT")
            try expectWord("NULL")
            return .isNull(left, negated: not)
        }
        return left
    }

    private mutating func concatenation() throws(PolicyError) -> PolicyExpr {
        var left = try additive()
        while peekSymbol("||") { i += 1; left = .binary("||", left, try additive()) }
        return left
    }

    private mutating func additive() throws(PolicyError) -> PolicyExpr {
        var left = try multiplicative()
        while case .symbol(let op) = current.kind, op == "+" || op == "-" {
            i += 1
            left = .binary(op, left, try multiplicative())
        }
        return left
    }

    private mutating func multiplicative() throws(PolicyError) -> PolicyExpr {
        var left = try unary()
        while case .symbol(let op) = current.kind, op == "*" || op == "/" {
            i += 1
            left = .binary(op, left, try unary())
        }
        return left
    }

    private mutating func unary() throws(PolicyError) -> PolicyExpr {
        if peekSymbol("-") { i += 1; return .negate(try unary()) }
        if peekSymbol("+") { i += 1; return try unary() }
        return try primary()
    }

    private mutating func primary() throws(PolicyError) -> PolicyExpr {
        let token = current
        switch token.kind {
        case .number(let n):
            i += 1
            return .number(n)
        case .string(let s):
            i += 1
            return .string(s)
        case .symbol("("):
            return try parenthesised()
        case .word("INTERVAL"):
            i += 1
            let amountText = try quoted("interval amount")
            guard let amount = Double(amountText.trimmingSpaces()) else { throw fail("bad INTERVAL amount '\(amountText)'") }
            guard case .word(let unit) = current.kind else { throw fail("expected DAYS, HOURS, MINUTES or SECONDS after INTERVAL") }
            i += 1
            let seconds: Double
            switch unit {
            case "DAY", "DAYS": seconds = 86400
            case "HOUR", "HOURS": seconds = 3600
            case "MINUTE", "MINUTES": seconds = 60
            case "SECOND", "SECONDS": seconds = 1
            default: throw fail("unsupported INTERVAL unit \(unit)")
            }
            return .interval(amount * seconds)
        case .word(let w):
            i += 1
            if peekSymbol("(") {
                guard let arity = Self.functions[w] else { throw PolicyError(line: token.line, message: "unsupported function \(w)()") }
                let args = try parenthesisedList()
                guard args.count == arity else { throw PolicyError(line: token.line, message: "\(w)() takes \(arity) argument(s)") }
                return .call(w, args)
            }
            guard Self.attributes.contains(w) else { throw PolicyError(line: token.line, message: "unknown attribute or keyword \(w)") }
            return .attribute(w)
        default:
            throw fail("expected a value, found \(token.text)")
        }
    }
}
