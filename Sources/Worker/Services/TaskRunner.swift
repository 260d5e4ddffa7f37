import Foundation
import Logging
import RedisQueue
import Shared

/// Runs one delivered task and reports it: `started` (unless it finished within `startedGrace`), then the
/// result, then the ack.
struct TaskRunner: Sendable {
    /// How long a task runs before the hub is told it started. Most tasks of a busy job take milliseconds:
    /// their result says everything a `started` would (node, attempt, start time), so sending both doubled
    /// what the hub applies per task. A task still running after this is reported STARTED as before.
    /// Fencing is unchanged in what matters: whichever attempt's result arrives first is applied, once; a
    /// `started` only lets a newer attempt that is known to run shut out an older one's late result.
    static let startedGrace: Duration = .milliseconds(250)

    let tasks: TaskTable
    let publisher: ResultPublisher
    /// Sends `started` for tasks still running after `startedGrace`.
    let notices: StartedNotices
    let control: ReliableQueue
    /// Acks of concurrent tasks go out together (one XACK + XDEL for many).
    let acks: Coalescer<String>
    let keeper: LeaseKeeper
    let node: String
    let logger: Logger

    func handle(_ delivery: Delivery) async {
        defer { keeper.untrack([delivery.id]) }
        let envelope: TaskEnvelope
        do {
            envelope = try WireCoding.decode(TaskEnvelope.self, from: delivery.payload)
        } catch {
            // The hub never sent this; retrying cannot fix it. Drop it loudly rather than loop on it.
            logger.error("dropping malformed task entry \(delivery.id): \(error)")
            await ack(delivery.id)
            return
        }
        let attempt = delivery.deliveryCount
        let started = Date()
        var result: TaskResult
        notices.begin(TaskStarted(taskID: envelope.taskID, attempt: attempt, jobID: envelope.jobID, node: node, started: started))
        let publisher = self.publisher
        let reporter = ProgressReporter { state, files in
            try? await publisher.publish(.progress(FileOutcomeBatch(
                taskID: envelope.taskID, attempt: attempt, jobID: envelope.jobID, state: state, files: files)))
        }
        do {
            if let task = tasks.task(named: envelope.task) {
                let outcome = try await ProgressReporter.$current.withValue(reporter) {
                    try await task.run(envelope, started: started)
                }
                result = TaskResult(
                    taskID: envelope.taskID, attempt: attempt, jobID: envelope.jobID, paths: outcome.passedOn,
                    status: outcome.status, logs: outcome.logs.isEmpty ? nil : outcome.logs, node: node,
                    discover: outcome.discover, inventory: outcome.inventory, output: outcome.output,
                    subdags: outcome.subdags.isEmpty ? nil : outcome.subdags)
            } else {
                result = Self.failed(envelope, attempt: attempt, started: started, node: node, reason: "unknown task '\(envelope.task)' on this worker")
            }
        } catch is CancellationError {
            // Shutdown cut the task short: the entry stays pending and another worker takes it after the lease.
            await notices.end(envelope.taskID)
            logger.info("task \(envelope.taskID) interrupted by shutdown; it will be delivered again")
            return
        } catch {
            result = Self.failed(envelope, attempt: attempt, started: started, node: node, reason: "\(error)")
        }
        // A `started` or `progress` already on its way goes first: the hub must not see them after the result.
        await notices.end(envelope.taskID)
        await reporter.finish()
        do {
            try await publisher.publish(.result(result))
        } catch {
            logger.info("task \(envelope.taskID): result not published (shutting down); it will be delivered again")
            return
        }
        if keeper.isLost(delivery.id) {
            // This worker stalled past its lease and another took the entry over; the hub keeps only the
            // current attempt's result, and the ack belongs to the new owner.
            logger.warning("task \(envelope.taskID): lease was lost while running; leaving the entry to its new owner")
            return
        }
        await ack(delivery.id)
    }

    /// A task that kept killing its workers: tell the hub, which fails it with this reason.
    func reportDeadLetter(_ dead: DeadLetter) async {
        guard let envelope = try? WireCoding.decode(TaskEnvelope.self, from: dead.payload) else {
            logger.error("dead-lettered a malformed entry \(dead.id)")
            return
        }
        let reason = "task was delivered \(dead.deliveryCount) times and never completed (its workers died or hung); giving up"
        logger.error("task \(envelope.taskID): \(reason)")
        let result = Self.failed(envelope, attempt: dead.deliveryCount, started: Date(), node: node, reason: reason)
        try? await publisher.publish(.result(result))
    }

    static func failed(_ envelope: TaskEnvelope, attempt: Int, started: Date, node: String, reason: String) -> TaskResult {
        TaskResult(
            taskID: envelope.taskID, attempt: attempt, jobID: envelope.jobID, paths: [],
            status: TaskStatus(task: envelope.task, inputPaths: envelope.paths, started: started), error: reason,
            node: node)
    }

    private func ack(_ id: String) async {
        var backoff = RetryBackoff()
        while !Task.isCancelled {
            do {
                try await acks.submit(id)
                return
            } catch {
                let delay = backoff.next()
                logger.warning("cannot ack \(id), retrying in \(delay): \(error)")
                try? await Task.sleep(for: delay)
            }
        }
    }
}
