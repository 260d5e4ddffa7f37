import Shared
import Testing

@testable import HubServer

/// Carrying paths between sites that mount a filesystem at different points.
@Suite struct MountMapTests {
    let map = MountMap(sites: [
        "a": ["mmfs1": "/site-a/mmfs1", "other": "/site-a/other/"],
        "b": ["mmfs1": "/gpfs/b/", "other": "/"],
    ])

    @Test func translatesUnderTheSameFilesystem() {
        #expect(map.translate("/site-a/mmfs1/data/f.txt", from: "a", to: "b") == "/gpfs/b/data/f.txt")
        #expect(map.translate("/site-a/mmfs1", from: "a", to: "b") == "/gpfs/b")
        // A trailing slash on either mount keeps exactly one separator; a root mount works both ways.
        #expect(map.translate("/site-a/other/x/y", from: "a", to: "b") == "/x/y")
        #expect(MountMap(sites: ["b": ["other": "/"], "a": ["other": "/site-a/other"]]).translate("/x/y", from: "b", to: "a") == "/site-a/other/x/y")
    }

    @Test func leavesOtherPathsAlone() {
        // Not under a mount of the source, a prefix that is not a path component, unknown sites, same site.
        #expect(map.translate("/elsewhere/f", from: "a", to: "b") == "/elsewhere/f")
        #expect(map.translate("/site-a/mmfs10/f", from: "a", to: "b") == "/site-a/mmfs10/f")
        #expect(map.translate("/site-a/mmfs1/f", from: "a", to: "zzz") == "/site-a/mmfs1/f")
        #expect(map.translate("/site-a/mmfs1/f", from: "a", to: "a") == "/site-a/mmfs1/f")
    }

    @Test func movesTheSourceOfAMoveToo() {
        let items = map.translate([PathItem(path: "/site-a/mmfs1/new", source: "/site-a/mmfs1/old")], from: "a", to: "b")
        #expect(items == [PathItem(path: "/gpfs/b/new", source: "/gpfs/b/old")])
    }
}
