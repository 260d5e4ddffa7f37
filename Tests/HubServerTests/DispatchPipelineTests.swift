import Synchronization
import Testing

@testable import HubServer

/// The pipeline that sends applied results' tasks beside the next results: every task is sent once, in
/// order, in bounded sends of whole outbox batches, and a full pipeline holds the submitter back.
@Suite struct DispatchPipelineTests {
    /// An outbox batch of the tasks `ids` (its row id is the first task's).
    static func batch(_ ids: some Sequence<Int64>) -> OutboxBatch {
        let tasks = ids.map {
            OutgoingTask(
                id: $0, taskID: "t\($0)", attempt: 1, job: 1, name: "dynamo.tasks.migrate", queue: "s.default#worker",
                kwargs: Array("{}".utf8), paths: Array("[]".utf8), enqueuedAt: "2026-11-23T00:00:00.000Z")
        }
        return OutboxBatch(rowID: tasks.first?.id ?? 0, tasks: tasks)
    }

    /// Records what the pipeline sends (the task ids of each send); `gate` (when set) holds each send
    /// until opened.
    final class Recorder: Sendable {
        let batches = Mutex<[[Int64]]>([])
        let rows = Mutex<[[Int64]]>([])
        let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let holding: Bool

        init(holding: Bool = false) { self.holding = holding }

        func send(_ sent: [OutboxBatch]) async {
            batches.withLock { $0.append(sent.flatMap { $0.tasks.map(\.id) }) }
            rows.withLock { $0.append(sent.map(\.rowID)) }
            if holding { await withCheckedContinuation { continuation in gate.withLock { $0 = continuation } } }
        }

        /// Lets the send that waits go on; false when none waits yet.
        func open() -> Bool {
            guard let waiting = gate.withLock({ state in defer { state = nil }; return state }) else { return false }
            waiting.resume()
            return true
        }
    }

    @Test func everyTaskIsSentOnceInOrderInBoundedSendsOfWholeBatches() async {
        let pipeline = DispatchPipeline(limit: 1_000, perSend: 25)
        let recorder = Recorder(holding: true)
        // The first send holds while the rest wait; then every send is let through as it comes.
        for start in stride(from: Int64(0), to: 100, by: 10) {
            await pipeline.submit(Self.batch(start..<start + 10)) { await recorder.send($0) }
        }
        // Bigger than a send: it goes whole, on its own.
        await pipeline.submit(Self.batch(100..<140)) { await recorder.send($0) }
        let opener = Task {
            while !Task.isCancelled {
                _ = recorder.open()
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
        await pipeline.flush()
        opener.cancel()
        let sends = recorder.batches.withLock { $0 }
        #expect(sends.flatMap { $0 } == (0..<140).map(Int64.init))
        #expect(sends.allSatisfy { !$0.isEmpty && ($0.count <= 25 || $0 == Array(100..<140)) }, "\(sends)")
        #expect(sends.dropFirst().first?.count == 20, "batches waiting together go out together: \(sends)")
        #expect(recorder.rows.withLock { $0 }.flatMap { $0 } == stride(from: Int64(0), to: 110, by: 10).map { $0 })
    }

    @Test func aFullPipelineHoldsTheSubmitterBack() async throws {
        let pipeline = DispatchPipeline(limit: 10, perSend: 5)
        let recorder = Recorder(holding: true)
        let send: @Sendable ([OutboxBatch]) async -> Void = { await recorder.send($0) }
        // The first five go out at once (and are held there); ten more fill the pipeline.
        await pipeline.submit(Self.batch(1...5), send: send)
        while recorder.batches.withLock({ $0.count }) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        await pipeline.submit(Self.batch(6...10), send: send)
        await pipeline.submit(Self.batch(11...15), send: send)
        let returned = Mutex(false)
        let blocked = Task {
            await pipeline.submit(Self.batch([16]), send: send)
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
