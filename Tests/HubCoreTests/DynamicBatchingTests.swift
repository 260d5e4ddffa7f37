import HubCore
import Testing

@Suite struct DynamicBatchingTests {
    @Test(arguments: [
        (40, 0, 40), (40, 9_999, 40), (40, 10_000, 80), (40, 99_999, 80), (40, 100_000, 200), (40, 1_000_000, 400),
        (1, 50_000, 2), (300, 2_000_000, 1000), (2000, 2_000_000, 2000),
    ])
    func sizeGrowsWithTheJobWithinTheCeiling(base: Int, jobFiles: Int, expected: Int) {
        #expect(DynamicBatching.fileBatchSize(base: base, jobFiles: jobFiles) == expected)
    }
}
