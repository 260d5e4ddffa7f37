import Foundation
import HubCore
import Logging
import Postgres
import RedisQueue
import Shared
import Testing

@testable import HubServer

/// The dispatch outbox (migration 13) against real PostgreSQL and Redis: a committed batch goes to its
/// queue tagged with its job and its outbox row goes; a row left by a sender that died is swept once it
/// expires, and its sender, if it was only late, sends nothing; a stopped job's new tasks are held back; a
/// pause takes the job's undelivered entries back (and only its own), resume sends them again, and a
/// cancel cancels them.
@Suite struct OutboxTests {
    @Test func aCommittedBatchGoesToItsQueueTaggedWithItsJobAndItsOutboxRowGoes() async throws {
        try await EngineFixture.with { fixture in
            let (job, batch) = try await fixture.job(tasks: 3)
            #expect(batch.tasks.count == 3, "the SKIPPED task is not sent")
            #expect(try await fixture.count("SELECT count(*) AS n FROM tasks WHERE state = 'PENDING' AND dispatched") == 3)
            #expect(try await fixture.count("SELECT cardinality(tasks) AS n FROM dispatch_outbox WHERE id = $1", [.int64(batch.rowID)]) == 3)

            await fixture.engine.dispatch([batch])
            let entries = try await fixture.entries()
            #expect(entries.count == 3)
            let wireIDs = try await fixture.pool.query("SELECT task_id FROM tasks WHERE job_id = $1 AND state = 'PENDING' ORDER BY id", [.int64(job)])
                .decodeColumn(String.self, "task_id")
            #expect(entries.map(\.task) == wireIDs)
            #expect(entries.allSatisfy { $0.job == String(job) })
            let envelopes = try entries.map { try WireCoding.decode(TaskEnvelope.self, from: $0.payload) }
            #expect(envelopes.map(\.taskID) == wireIDs)
            #expect(envelopes.allSatisfy { $0.jobID == Int(job) && $0.attempt == 1 && $0.kwargs["stub_size"] == .int(0) })
            #expect(envelopes.map { $0.paths.map(\.path) } == (0..<3).map { ["/mmfs1/job\(job)/f\($0)"] })
            #expect(try await fixture.count("SELECT count(*) AS n FROM dispatch_outbox") == 0)
            // Nothing waits, so the sweep sends nothing more.
            try await fixture.engine.sweep()
            #expect(try await fixture.entries().count == 3)
        }
    }

    @Test func anOutboxRowLeftByADeadSenderIsSweptOnceItExpires() async throws {
        try await EngineFixture.with { fixture in
            let (active, _) = try await fixture.job(tasks: 2)
            let (paused, _) = try await fixture.job(tasks: 1)
            try await fixture.pool.execute("UPDATE jobs SET state = 'PAUSED' WHERE id = $1", [.int64(paused)])
            // Its sender "died": nothing was sent. While the row's claim holds, the sweep leaves it alone.
            try await fixture.engine.sweep()
            #expect(try await fixture.entries().isEmpty)
            #expect(try await fixture.count("SELECT count(*) AS n FROM dispatch_outbox") == 2)

            try await fixture.pool.execute("UPDATE dispatch_outbox SET claim_until = now() - interval '1 second'")
            try await fixture.engine.sweep()
            let entries = try await fixture.entries()
            #expect(entries.map(\.job) == [String(active), String(active)], "the paused job's task waits for its resume")
            #expect(try await fixture.count("SELECT count(*) AS n FROM dispatch_outbox") == 0)
            #expect(
                try await fixture.count("SELECT count(*) AS n FROM tasks WHERE job_id = $1 AND state = 'PENDING' AND dispatched", [.int64(active)]) == 2)
            #expect(
                try await fixture.count("SELECT count(*) AS n FROM tasks WHERE job_id = $1 AND NOT dispatched AND state = 'PENDING'", [.int64(paused)]) == 1)
            // The swept entries are what a creator writes: the same envelope, from the stored parts.
            let envelope = try WireCoding.decode(TaskEnvelope.self, from: entries[0].payload)
            #expect(envelope.jobID == Int(active) && envelope.task == "dynamo.tasks.migrate" && envelope.kwargs["stub_size"] == .int(0))
            // The input is stored as its JSON text (migration 14) and goes out as it came in.
            #expect(envelope.paths.map(\.path) == ["/mmfs1/job\(active)/f0"])
            #expect(try await fixture.pool.query("SELECT pg_typeof(input)::text AS t FROM tasks LIMIT 1").decodeColumn(String.self, "t") == ["json"])
            // Compressed with lz4 (migration 15) where the server has it (14 or later, built with lz4).
            let hasLZ4: Bool
            do {
                try await fixture.pool.execute("SET default_toast_compression = lz4")
                hasLZ4 = true
            } catch {
                hasLZ4 = false
            }
            #expect(
                try await fixture.pool.query(
                    "SELECT attcompression::text AS c FROM pg_attribute WHERE attrelid = 'tasks'::regclass AND attname = 'input'"
                ).decodeColumn(String.self, "c") == [hasLZ4 ? "l" : ""])
        }
    }

    @Test func aSendHoldsBackAStoppedJobsTasksAndLeavesAnExpiredBatchToTheSweep() async throws {
        try await EngineFixture.with { fixture in
            // Paused after its tasks were created: they are held back (a waiting worker would take them at
            // once), and the job, with nothing running, settles PAUSED.
            let (paused, pausedBatch) = try await fixture.job(tasks: 2)
            try await fixture.pool.execute("UPDATE jobs SET state = 'PAUSING' WHERE id = $1", [.int64(paused)])
            await fixture.engine.dispatch([pausedBatch])
            #expect(try await fixture.entries().isEmpty)
            #expect(
                try await fixture.count("SELECT count(*) AS n FROM tasks WHERE job_id = $1 AND state = 'PENDING' AND NOT dispatched", [.int64(paused)]) == 2)
            #expect(try await fixture.state(of: paused) == "PAUSED")
            #expect(try await fixture.count("SELECT count(*) AS n FROM dispatch_outbox") == 0)

            // A batch whose row expired on the way belongs to the sweep, which sends it; the late send adds nothing.
            let (active, late) = try await fixture.job(tasks: 2)
            try await fixture.pool.execute("UPDATE dispatch_outbox SET claim_until = now() - interval '1 second'")
            try await fixture.engine.sweep()
            await fixture.engine.dispatch([late])
            #expect(try await fixture.entries().map(\.job) == [String(active), String(active)])
            #expect(try await fixture.count("SELECT count(*) AS n FROM dispatch_outbox") == 0)
        }
    }

    @Test func pauseTakesBackOnlyTheJobsUndeliveredEntriesResumeSendsThemAndCancelCancelsThem() async throws {
        try await EngineFixture.with { fixture in
            let (first, firstBatch) = try await fixture.job(tasks: 5)
            let (second, secondBatch) = try await fixture.job(tasks: 2)
            await fixture.engine.dispatch([firstBatch, secondBatch])
            // A worker takes two of the first job's tasks: they are delivered, and run on.
            let delivered = try await fixture.queue.claim(consumer: "worker-1", count: 2).deliveries
            #expect(delivered.count == 2)

            #expect(try await fixture.engine.control(.pause, job: first) == .pausing, "two tasks are still running")
            let afterPause = try await fixture.entries()
            #expect(afterPause.filter { $0.job == String(first) }.count == 2, "the delivered ones stay")
            #expect(afterPause.filter { $0.job == String(second) }.count == 2, "the other job's entries stay")
            #expect(
                try await fixture.count("SELECT count(*) AS n FROM tasks WHERE job_id = $1 AND state = 'PENDING' AND NOT dispatched", [.int64(first)]) == 3)

            #expect(try await fixture.engine.control(.resume, job: first) == .started)
            let afterResume = try await fixture.entries()
            #expect(afterResume.filter { $0.job == String(first) }.count == 5)
            #expect(try await fixture.count("SELECT count(*) AS n FROM tasks WHERE job_id = $1 AND state = 'PENDING' AND dispatched", [.int64(first)]) == 5)

            #expect(try await fixture.engine.control(.cancel, job: second) == .cancelled, "nothing of it was delivered")
            #expect(try await fixture.entries().filter { $0.job == String(second) }.isEmpty)
            #expect(try await fixture.count("SELECT count(*) AS n FROM tasks WHERE job_id = $1 AND state = 'CANCELLED'", [.int64(second)]) == 2)
            #expect(try await fixture.count("SELECT open_tasks AS n FROM jobs WHERE id = $1", [.int64(second)]) == 0)
            #expect(try await fixture.state(of: first) == "STARTED")
        }
    }
}
