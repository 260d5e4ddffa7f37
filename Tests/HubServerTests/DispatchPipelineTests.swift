import Synchronization
import Testing

@testable import HubServer

/// The pipeline that sends applied results' tasks beside the next results: every task is sent once, in
/// order, in bounded batches, and a full pipeline holds the submitter back.
@Suite struct DispatchPipelineTests {
    /// Records what the pipeline sends; `gate` (when set) holds each send until opened.
    final class Recorder: Sendable {
        let batches = Mutex<[[Int64]]>([])
        let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let holding: Bool

        init(holding: Bool = false) { self.holding = holding }

        func send(_ ids: [Int64]) async {
            batches.withLock { $0.append(ids) }
            if holding { await withCheckedContinuation { continuation in gate.withLock { $0 = continuation } } }
        }

        /// Lets the send that waits go on; false when none waits yet.
        func open() -> Bool {
            guard let waiting = gate.withLock({ state in defer { state = nil }; return state }) else { return false }
            waiting.resume()
            return true
        }
    }

    @Test func everyTaskIsSentOnceInOrderInBoundedBatches() async {
        let pipeline = DispatchPipeline(limit: 1_000, perSend: 7)
        let recorder = Recorder()
        for start in stride(from: 0, to: 100, by: 10) {
            await pipeline.submit((start..<start + 10).map(Int64.init)) { await recorder.send($0) }
        }
        await pipeline.submit([]) { await recorder.send($0) }
        await pipeline.flush()
        let batches = recorder.batches.withLock { $0 }
        #expect(batches.flatMap { $0 } == (0..<100).map(Int64.init))
        #expect(batches.allSatisfy { !$0.isEmpty && $0.count <= 7 })
    }

    @Test func aFullPipelineHoldsTheSubmitterBack() async throws {
        let pipeline = DispatchPipeline(limit: 10, perSend: 5)
        let recorder = Recorder(holding: true)
        let send: @Sendable ([Int64]) async -> Void = { await recorder.send($0) }
        // The first five go out at once (and are held there); ten more fill the pipeline.
        await pipeline.submit([1, 2, 3, 4, 5], send: send)
        while recorder.batches.withLock({ $0.count }) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        await pipeline.submit(Array(6...15), send: send)
        let returned = Mutex(false)
        let blocked = Task {
            await pipeline.submit([16], send: send)
            returned.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(!returned.withLock { $0 }, "a submit past the limit waits for the pipeline to drain")
        // Open every send as it comes; the held submit then gets in and everything goes out once.
        let opener = Task {
            while !Task.isCancelled {
                _ = recorder.open()
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
        await blocked.value
        await pipeline.flush()
        opener.cancel()
        #expect(returned.withLock { $0 })
        #expect(recorder.batches.withLock { $0 }.flatMap { $0 } == Array(1...16))
    }
}
