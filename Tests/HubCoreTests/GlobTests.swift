import HubCore
import Testing

@Suite struct GlobTests {
    @Test(arguments: [
        ("*.tmp", "/mmfs1/data/a.tmp", true),
        ("*.tmp", "/mmfs1/data/a.tmp.bak", false),
        // Star crosses directory separators: fnmatch without FNM_PATHNAME.
        ("/mmfs1/data/*", "/mmfs1/data/x/y/z.txt", true),
        ("/mmfs1/data/*", "/mmfs1/database", false),
        // Whole-path match only (L10757).
        ("data", "/mmfs1/data", false),
        ("/mmfs1/data", "/mmfs1/data", true),
        ("/mmfs1/?.txt", "/mmfs1/a.txt", true),
        ("/mmfs1/?.txt", "/mmfs1/ab.txt", false),
        ("/a?b", "/a/b", true),
        ("*", "", true),
        ("", "", true),
        ("", "/a", false),
        ("**", "/any/thing", true),
        ("/x/[abc].log", "/x/b.log", true),
        ("/x/[abc].log", "/x/d.log", false),
        ("/x/[!abc].log", "/x/d.log", true),
        ("/x/[!abc].log", "/x/a.log", false),
        ("/x/[^abc].log", "/x/a.log", false),
        ("/x/[a-c]*", "/x/cat", true),
        ("/x/[a-c]*", "/x/dog", false),
        ("/x/[]]", "/x/]", true),
        ("/x/[!]]", "/x/a", true),
        ("/x/[a-]", "/x/-", true),
        ("/x/[", "/x/[", true),
        ("/x/[abc", "/x/a", false),
        ("/x/\\*", "/x/*", true),
        ("/x/\\*", "/x/y", false),
        ("/x/\\?", "/x/?", true),
        ("/x/[\\]]", "/x/]", true),
        ("*a*b*c", "/xaxbxc", true),
        ("*a*b*c", "/xaxcxb", false),
        ("/é/*", "/é/ü", true),
    ])
    func matches(_ pattern: String, _ path: String, _ expected: Bool) {
        #expect(Glob.matches(pattern, path) == expected, "\(pattern) vs \(path)")
    }

    /// Backtracking recursion takes exponential time here; the two-pointer match is quadratic at worst.
    @Test func pathologicalPatternFinishes() {
        let path = "/" + String(repeating: "a", count: 20_000)
        let pattern = String(repeating: "*a", count: 30) + "*b"
        #expect(!Glob.matches(pattern, path))
        #expect(Glob.matches(String(repeating: "*a", count: 30) + "*", path))
    }

    @Test func compiledPatternIsReusable() {
        let pattern = GlobPattern("*.cache")
        #expect(pattern.matches("/a/b.cache"))
        #expect(!pattern.matches("/a/b.cached"))
    }
}
