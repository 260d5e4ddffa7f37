import HubCore
import Shared
import Testing

@Suite struct BatcherTests {
    func files(_ count: Int, size: Int64?) -> [PathItem] {
        (0..<count).map { PathItem(path: "/f\($0)", size: size) }
    }

    @Test func byCount() {
        let batches = Batcher.batches(files(95, size: 1), maxFiles: 40, maxBytes: 1_000_000_000)
        #expect(batches.map(\.count) == [40, 40, 15])
        #expect(batches.flatMap { $0 }.map(\.path) == files(95, size: 1).map(\.path))
    }

    /// The manual's example (L11345): 100 files of 500 MB, 10 files and 1 GB: 50 batches of 2.
    @Test func byBytesManualExample() {
        let batches = Batcher.batches(files(100, size: 500_000_000), maxFiles: 10, maxBytes: 1_000_000_000)
        #expect(batches.count == 50)
        #expect(batches.allSatisfy { $0.count == 2 })
    }

    @Test func oversizedFileIsABatchOfItsOwn() {
        let items = [
            PathItem(path: "/a", size: 10), PathItem(path: "/big", size: 500), PathItem(path: "/b", size: 10),
            PathItem(path: "/c", size: 0),
        ]
        let batches = Batcher.batches(items, maxFiles: 40, maxBytes: 100)
        #expect(batches.map { $0.map(\.path) } == [["/a"], ["/big"], ["/b", "/c"]])
    }

    @Test func missingSizeCountsAsZero() {
        let batches = Batcher.batches(files(5, size: nil), maxFiles: 40, maxBytes: 1)
        #expect(batches.map(\.count) == [5])
    }

    @Test func incrementalAddReturnsFullBatches() {
        var batcher = Batcher(maxFiles: 3, maxBytes: 100)
        #expect(batcher.add(PathItem(path: "/1", size: 10)) == nil)
        #expect(batcher.add(PathItem(path: "/2", size: 10)) == nil)
        #expect(batcher.add(PathItem(path: "/3", size: 10))?.map(\.path) == ["/1", "/2", "/3"])
        #expect(batcher.add(PathItem(path: "/4", size: 60)) == nil)
        // 60 + 50 passes 100: the pending batch is returned and /5 starts the next.
        #expect(batcher.add(PathItem(path: "/5", size: 50))?.map(\.path) == ["/4"])
        #expect(batcher.flush()?.map(\.path) == ["/5"])
        #expect(batcher.flush() == nil)
    }

    @Test func exactlyFullByBytesStaysOpenForEmptyFiles() {
        let batches = Batcher.batches(
            [PathItem(path: "/a", size: 50), PathItem(path: "/b", size: 50), PathItem(path: "/c", size: 0),
             PathItem(path: "/d", size: 1)], maxFiles: 10, maxBytes: 100)
        #expect(batches.map { $0.map(\.path) } == [["/a", "/b", "/c"], ["/d"]])
    }

    @Test func nonsenseLimitsAreClamped() {
        #expect(Batcher.batches(files(3, size: 5), maxFiles: 0, maxBytes: 0).map(\.count) == [1, 1, 1])
        #expect(Batcher.batches([], maxFiles: 10, maxBytes: 10).isEmpty)
    }
}
