import Foundation
import Testing

@Suite("start-up time")
struct StartupTimeTests {
    /// A measurement, not an assertion on speed: the figure for docs/sandbox.md comes from
    /// scripts run by hand (see there); this prints the per-run time of `ngsim --version`.
    @Test("ngsim --version 50 times")
    func measure() async throws {
        let runs = 50
        let start = Date()
        for _ in 0..<runs {
            let r = try await NGSim.run(["--version"])
            #expect(r.status == 0)
        }
        let perRun = Date().timeIntervalSince(start) / Double(runs) * 1000
        print("ngsim --version: \(String(format: "%.2f", perRun)) ms per run (including Foundation Process overhead)")
    }
}
