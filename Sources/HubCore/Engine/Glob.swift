/// Shell-style pattern matching over a whole path, as include/exclude patterns use it (L10757):
/// `*` matches any run of characters including `/` (fnmatch without FNM_PATHNAME, so `*.tmp` matches
/// `/a/b/c.tmp`), `?` one character, `[...]` a class (`!` or `^` negates, `a-z` ranges), and `\`
/// makes the next character literal.
public enum Glob {
    public static func matches(_ pattern: String, _ path: String) -> Bool {
        GlobPattern(pattern).matches(path)
    }
}

/// A pattern compiled once, for matching many paths (rule matching runs it per discovered file).
///
/// Matching is the iterative two-pointer algorithm: on a mismatch it resumes after the last `*`,
/// one character further on. That is O(pattern x path) at worst, where naive recursion is
/// exponential on patterns like `*a*a*a*b`.
public struct GlobPattern: Sendable, Hashable {
    enum Token: Sendable, Hashable {
        case literal(Character)
        case any
        case star
        case set(CharacterSet)
    }

    struct CharacterSet: Sendable, Hashable {
        var negated: Bool
        var singles: Set<Character>
        var ranges: [ClosedRange<Character>]

        func contains(_ character: Character) -> Bool {
            let member = singles.contains(character) || ranges.contains { $0.contains(character) }
            return member != negated
        }
    }

    public let pattern: String
    let tokens: [Token]

    public init(_ pattern: String) {
        self.pattern = pattern
        self.tokens = Self.compile(Array(pattern))
    }

    public func matches(_ path: String) -> Bool {
        let text = Array(path)
        var t = 0
        var p = 0
        var starToken = -1
        var starText = 0
        while t < text.count {
            if p < tokens.count {
                switch tokens[p] {
                case .star:
                    starToken = p
                    starText = t
                    p += 1
                    continue
                case .any:
                    p += 1
                    t += 1
                    continue
                case .literal(let character) where character == text[t]:
                    p += 1
                    t += 1
                    continue
                case .set(let set) where set.contains(text[t]):
                    p += 1
                    t += 1
                    continue
                default:
                    break
                }
            }
            guard starToken >= 0 else { return false }
            // Let the last star swallow one more character and retry from just after it.
            starText += 1
            t = starText
            p = starToken + 1
        }
        while p < tokens.count, tokens[p] == .star { p += 1 }
        return p == tokens.count
    }

    private static func compile(_ characters: [Character]) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "*":
                if tokens.last != .star { tokens.append(.star) }
                index += 1
            case "?":
                tokens.append(.any)
                index += 1
            case "\\" where index + 1 < characters.count:
                tokens.append(.literal(characters[index + 1]))
                index += 2
            case "[":
                if let (set, next) = parseSet(characters, from: index + 1) {
                    tokens.append(.set(set))
                    index = next
                } else {
                    // An unclosed `[` is an ordinary character, as in fnmatch.
                    tokens.append(.literal("["))
                    index += 1
                }
            default:
                tokens.append(.literal(character))
                index += 1
            }
        }
        return tokens
    }

    /// Parses a class whose body starts at `start` (just after `[`); returns it and the index after `]`.
    private static func parseSet(_ characters: [Character], from start: Int) -> (CharacterSet, Int)? {
        var index = start
        var set = CharacterSet(negated: false, singles: [], ranges: [])
        if index < characters.count, characters[index] == "!" || characters[index] == "^" {
            set.negated = true
            index += 1
        }
        var first = true
        while index < characters.count {
            var character = characters[index]
            // `]` first in the class is a member, not the end (`[]a]`).
            if character == "]" && !first { return (set, index + 1) }
            first = false
            if character == "\\" && index + 1 < characters.count {
                index += 1
                character = characters[index]
            }
            if index + 2 < characters.count, characters[index + 1] == "-", characters[index + 2] != "]" {
                var upper = characters[index + 2]
                var next = index + 3
                if upper == "\\" && index + 3 < characters.count {
                    upper = characters[index + 3]
                    next = index + 4
                }
                if character <= upper { set.ranges.append(character...upper) }
                index = next
            } else {
                set.singles.insert(character)
                index += 1
            }
        }
        return nil
    }
}
