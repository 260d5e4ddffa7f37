import Glibc

/// The attributes of one file as policy rules see them.
struct PolicyFile {
    let path: String
    let name: String
    let size: Int64
    let kbAllocated: Int64
    let mtime: Double
    let atime: Double
    let ctime: Double
    /// 'F' file, 'D' directory, 'L' symlink; plus 'M' migrated or 'P' premigrated.
    let misc: String
    let pool: String
    let fileset: String
    let uid: UInt32
    let gid: UInt32
    let mode: UInt32
    let fileType: UInt32
    let inode: UInt64
    let generation: UInt64
    let nlink: UInt64
    let isDirectory: Bool
}

enum PolicyValue {
    case number(Double)
    case string(String)
    /// Seconds since the epoch.
    case time(Double)
    case bool(Bool)
    case null
}

/// Evaluates expressions for a file. Errors name the rule's line.
struct PolicyEvaluator {
    let now: Double
    let line: Int

    private func fail(_ message: String) -> PolicyError { PolicyError(line: line, message: message) }

    func truth(_ expr: PolicyExpr, _ file: PolicyFile) throws(PolicyError) -> Bool {
        switch try value(expr, file) {
        case .bool(let b): return b
        case .null: return false
        case .number(let n): return n != 0
        default: throw fail("condition is not a truth value")
        }
    }

    func number(_ expr: PolicyExpr, _ file: PolicyFile) throws(PolicyError) -> Double {
        switch try value(expr, file) {
        case .number(let n), .time(let n): return n
        case .null: return 0
        case .bool(let b): return b ? 1 : 0
        case .string(let s):
            guard let n = Double(s) else { throw fail("WEIGHT value '\(s)' is not a number") }
            return n
        }
    }

    func value(_ expr: PolicyExpr, _ file: PolicyFile) throws(PolicyError) -> PolicyValue {
        switch expr {
        case .number(let n): return .number(n)
        case .string(let s): return .string(s)
        case .interval(let seconds): return .number(seconds)
        case .attribute(let name): return attribute(name, file)
        case .negate(let e):
            switch try value(e, file) {
            case .number(let n): return .number(-n)
            case .null: return .null
            default: throw fail("unary minus needs a number")
            }
        case .not(let e): return .bool(!(try truth(e, file)))
        case .and(let a, let b):
            guard try truth(a, file) else { return .bool(false) }
            return .bool(try truth(b, file))
        case .or(let a, let b):
            if try truth(a, file) { return .bool(true) }
            return .bool(try truth(b, file))
        case .binary(let op, let a, let b): return try binary(op, try value(a, file), try value(b, file))
        case .like(let e, let p, let negated, let escape):
            let v = try value(e, file)
            let pattern = try value(p, file)
            if case .null = v { return .bool(false) }
            let matched = Self.like(text(v), text(pattern), escape: escape)
            return .bool(negated ? !matched : matched)
        case .inList(let e, let items, let negated):
            let v = try value(e, file)
            var found = false
            for item in items where try compare(v, try value(item, file)) == 0 { found = true; break }
            return .bool(negated ? !found : found)
        case .isNull(let e, let negated):
            var isNull = false
            if case .null = try value(e, file) { isNull = true }
            return .bool(negated ? !isNull : isNull)
        case .call(let name, let args):
            let v = try value(args[0], file)
            switch name {
            case "DAYS", "HOURS":
                guard case .time(let t) = v else {
                    if case .string(let s) = v, let t = Self.parseTimestamp(s) { return .number((t / (name == "DAYS" ? 86400 : 3600)).rounded(.down)) }
                    throw fail("\(name)() needs a timestamp")
                }
                return .number((t / (name == "DAYS" ? 86400 : 3600)).rounded(.down))
            case "VARCHAR", "CHAR": return .string(text(v))
            case "INT", "INTEGER":
                switch v {
                case .number(let n), .time(let n): return .number(n.rounded(.towardZero))
                case .string(let s): return Double(s).map { .number($0.rounded(.towardZero)) } ?? .null
                default: return .null
                }
            case "LOWER": return .string(text(v).lowercased())
            case "UPPER": return .string(text(v).uppercased())
            case "LENGTH": return .number(Double(text(v).count))
            default: throw fail("unsupported function \(name)")
            }
        }
    }

    private func attribute(_ name: String, _ f: PolicyFile) -> PolicyValue {
        switch name {
        case "PATH_NAME": .string(f.path)
        case "NAME": .string(f.name)
        case "FILE_SIZE": .number(Double(f.size))
        case "KB_ALLOCATED": .number(Double(f.kbAllocated))
        case "MODIFICATION_TIME": .time(f.mtime)
        case "ACCESS_TIME": .time(f.atime)
        case "CHANGE_TIME": .time(f.ctime)
        case "CURRENT_TIMESTAMP": .time(now)
        case "MISC_ATTRIBUTES": .string(f.misc)
        case "POOL_NAME": .string(f.pool)
        case "FILESET_NAME": .string(f.fileset)
        case "USER_ID": .number(Double(f.uid))
        case "GROUP_ID": .number(Double(f.gid))
        case "MODE": .string(Self.modeString(f.fileType, f.mode))
        case "INODE": .number(Double(f.inode))
        case "GENERATION": .number(Double(f.generation))
        case "NLINK": .number(Double(f.nlink))
        default: .null
        }
    }

    private func binary(_ op: String, _ a: PolicyValue, _ b: PolicyValue) throws(PolicyError) -> PolicyValue {
        switch op {
        case "=", "<>", "<", "<=", ">", ">=":
            if case .null = a { return .bool(false) }
            if case .null = b { return .bool(false) }
            let c = try compare(a, b)
            switch op {
            case "=": return .bool(c == 0)
            case "<>": return .bool(c != 0)
            case "<": return .bool(c < 0)
            case "<=": return .bool(c <= 0)
            case ">": return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        case "||":
            return .string(text(a) + text(b))
        default:
            if case .null = a { return .null }
            if case .null = b { return .null }
            switch (a, b, op) {
            case (.number(let x), .number(let y), _): return .number(try arithmetic(op, x, y))
            case (.time(let x), .time(let y), "-"): return .number(x - y)
            case (.time(let x), .number(let y), "+"), (.number(let y), .time(let x), "+"): return .time(x + y)
            case (.time(let x), .number(let y), "-"): return .time(x - y)
            default: throw fail("operator \(op) cannot combine these values")
            }
        }
    }

    private func arithmetic(_ op: String, _ x: Double, _ y: Double) throws(PolicyError) -> Double {
        switch op {
        case "+": return x + y
        case "-": return x - y
        case "*": return x * y
        default:
            guard y != 0 else { throw fail("division by zero") }
            return x / y
        }
    }

    /// -1, 0 or 1; a timestamp compares with a 'YYYY-MM-DD[ HH:MM[:SS]]' string (local time).
    private func compare(_ a: PolicyValue, _ b: PolicyValue) throws(PolicyError) -> Int {
        func order<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x == y ? 0 : 1) }
        switch (a, b) {
        case (.number(let x), .number(let y)), (.time(let x), .time(let y)): return order(x, y)
        case (.string(let x), .string(let y)): return x == y ? 0 : (x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1)
        case (.time(let x), .string(let s)):
            guard let y = Self.parseTimestamp(s) else { throw fail("cannot compare a timestamp with '\(s)'") }
            return order(x, y)
        case (.string(let s), .time(let y)):
            guard let x = Self.parseTimestamp(s) else { throw fail("cannot compare '\(s)' with a timestamp") }
            return order(x, y)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
        case (.string(let s), .number(let y)):
            guard let x = Double(s) else { throw fail("cannot compare '\(s)' with a number") }
            return order(x, y)
        case (.number(let x), .string(let s)):
            guard let y = Double(s) else { throw fail("cannot compare a number with '\(s)'") }
            return order(x, y)
        default: throw fail("cannot compare these values (e.g. a timestamp with a number: use DAYS() or INTERVAL)")
        }
    }

    func text(_ v: PolicyValue) -> String {
        switch v {
        case .string(let s): return s
        case .number(let n): return n == n.rounded() && abs(n) < 9e18 ? String(Int64(n)) : String(n)
        case .time(let t): return Self.formatTimestamp(t)
        case .bool(let b): return b ? "TRUE" : "FALSE"
        case .null: return ""
        }
    }

    static func formatTimestamp(_ t: Double) -> String {
        var seconds = time_t(t.rounded(.down))
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
        return Posix.string(fromNulTerminated: Array(buffer[0..<n]) + [0])
    }

    static func parseTimestamp(_ s: String) -> Double? {
        let parts = s.trimmingSpaces().split(whereSeparator: { $0 == " " || $0 == "-" || $0 == ":" || $0 == "T" }).map { Int($0) }
        guard parts.count == 3 || parts.count == 5 || parts.count == 6, parts.allSatisfy({ $0 != nil }) else { return nil }
        let n = parts.compactMap { $0 }
        guard n.allSatisfy({ $0 >= 0 && $0 < 100_000 }) else { return nil }
        var t = tm()
        t.tm_year = Int32(n[0] - 1900)
        t.tm_mon = Int32(n[1] - 1)
        t.tm_mday = Int32(n[2])
        if n.count >= 5 { t.tm_hour = Int32(n[3]); t.tm_min = Int32(n[4]) }
        if n.count == 6 { t.tm_sec = Int32(n[5]) }
        t.tm_isdst = -1
        let result = mktime(&t)
        return result == -1 ? nil : Double(result)
    }

    static func modeString(_ type: UInt32, _ mode: UInt32) -> String {
        var s = type == UInt32(S_IFDIR) ? "d" : type == UInt32(S_IFLNK) ? "l" : "-"
        let letters: [Character] = ["r", "w", "x"]
        for i in 0..<9 { s.append(mode & (0o400 >> UInt32(i)) != 0 ? letters[i % 3] : "-") }
        return s
    }

    /// One element of a LIKE pattern.
    private enum LikeToken: Equatable {
        case any, one
        case literal(Unicode.Scalar)
    }

    /// SQL LIKE: `%` any run, `_` one character; case-sensitive. With an escape character, the
    /// character after it is literal (a trailing escape is itself literal).
    static func like(_ text: String, _ pattern: String, escape: Unicode.Scalar? = nil) -> Bool {
        let t = Array(text.unicodeScalars)
        var p: [LikeToken] = []
        var scalars = pattern.unicodeScalars.makeIterator()
        while let c = scalars.next() {
            if let escape, c == escape {
                p.append(.literal(scalars.next() ?? c))
            } else {
                p.append(c == "%" ? .any : c == "_" ? .one : .literal(c))
            }
        }
        var ti = 0, pi = 0
        var starP = -1, starT = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == .one || p[pi] == .literal(t[ti])) {
                ti += 1; pi += 1
            } else if pi < p.count && p[pi] == .any {
                starP = pi; starT = ti; pi += 1
            } else if starP >= 0 {
                pi = starP + 1; starT += 1; ti = starT
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == .any { pi += 1 }
        return pi == p.count
    }
}
