/// Literals of the GPFS policy language as the compiler writes them.
enum PolicySQL {
    /// `'text'` with `'` doubled, the language's only escape inside a string.
    static func string(_ text: String) -> String {
        "'" + text.replacingEvery("'", with: "''") + "'"
    }

    /// A number as THRESHOLD and LIMIT take it: `90`, `12.5`.
    static func number(_ value: Double) -> String {
        PolicyFieldReader.text(value)
    }

    /// `<subject> LIKE '<pattern>'` matching `literal` followed by `wildcardSuffix` (`%` = anything).
    /// `%`, `_` and `\` inside `literal` are escaped with `\`, and then (only then) `ESCAPE '\'` is
    /// added, so that a space named `/mmfs1/a_b` does not also match `/mmfs1/aXb`.
    static func like(_ subject: String, literal: String, wildcardSuffix: String) -> String {
        var pattern = ""
        var escaped = false
        for character in literal {
            if character == "%" || character == "_" || character == "\\" {
                pattern.append("\\")
                escaped = true
            }
            pattern.append(character)
        }
        return like(subject, pattern: pattern + wildcardSuffix, escaped: escaped)
    }

    /// `NAME LIKE` for a glob: `*` -> `%`, `?` -> `_`, everything else literal.
    static func likeGlob(_ subject: String, glob: String) -> String {
        var pattern = ""
        var escaped = false
        for character in glob {
            switch character {
            case "*": pattern.append("%")
            case "?": pattern.append("_")
            case "%", "_", "\\":
                pattern.append("\\")
                pattern.append(character)
                escaped = true
            default: pattern.append(character)
            }
        }
        return like(subject, pattern: pattern, escaped: escaped)
    }

    private static func like(_ subject: String, pattern: String, escaped: Bool) -> String {
        "\(subject) LIKE \(string(pattern))" + (escaped ? " ESCAPE '\\'" : "")
    }

    /// Terms joined by OR (parenthesised when more than one).
    static func any(_ terms: [String]) -> String {
        terms.count == 1 ? terms[0] : "(" + terms.joined(separator: " OR ") + ")"
    }

    /// Terms joined by AND (parenthesised when more than one).
    static func all(_ terms: [String]) -> String {
        terms.count == 1 ? terms[0] : "(" + terms.joined(separator: " AND ") + ")"
    }

    /// A rule name made only of letters, digits, `_` and `-`: rule names show up in mmapplypolicy's
    /// output and logs, and GPFS passes policy files through m4, so no free text goes into them.
    static func identifier(_ text: String) -> String {
        let mapped = text.unicodeScalars.map { scalar -> Character in
            let allowed = (scalar.value >= 0x30 && scalar.value <= 0x39) || (scalar.value >= 0x41 && scalar.value <= 0x5A)
                || (scalar.value >= 0x61 && scalar.value <= 0x7A) || scalar == "_" || scalar == "-"
            return allowed ? Character(scalar) : "_"
        }
        return String(mapped)
    }
}

fileprivate extension String {
    /// Every occurrence of `target` replaced (HubCore stays free of Foundation's string API here).
    func replacingEvery(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
