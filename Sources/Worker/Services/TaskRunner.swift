import Foundation
import Logging
import RedisQueue
import Shared

/// Runs one delivered task (`run`) and reports it (`report`): `started` (unless it finished within
/// `startedGrace`), then the result and the ack, together (`ReportPipeline`).
struct TaskRunner: Sendable {
    /// How long a task runs before the hub is told it started. Most tasks of a busy job take milliseconds:
    /// their result says everything a `started` would (node, attempt, start time), so sending both doubled
    /// what the hub applies per task. A task still running after this is reported STARTED as before.
    /// Fencing is unchanged in what matters: whichever attempt's result arrives first is applied, once; a
    /// `started` only lets a newer attempt that is known to run shut out an older one's late result.
    static let startedGrace: Duration = .milliseconds(250)

    let tasks: TaskTable
    let publisher: ResultPublisher
    /// Publishes results and acks their entries together.
    let reports: ReportPipeline
    /// Sends `started` for tasks still running after `startedGrace`.
    let notices: StartedNotices
    let control: ReliableQueue
    let keeper: LeaseKeeper
    let node: String
    let logger: Logger

    /// A task that ran and whose result is still to be published and its entry acked.
    struct Ran: Sendable {
        let delivery: Delivery
        let taskID: String
        let result: TaskResult
        let reporter: ProgressReporter
    }

    /// Runs one delivered task. Returns nil when there is nothing to report: a malformed entry (dropped and
    /// acked) or a task cut short by shutdown (left pending, delivered again after the lease).
    func run(_ delivery: Delivery) async -> Ran? {
        let envelope: TaskEnvelope
        do {
            envelope = try WireCoding.decode(TaskEnvelope.self, from: delivery.payload)
        } catch {
            // The hub never sent this; retrying cannot fix it. Drop it loudly rather than loop on it.
            logger.error("dropping malformed task entry \(delivery.id): \(error)")
            await ack(delivery.id)
            keeper.untrack([delivery.id])
            return nil
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
                // The input is not echoed back (`TaskStatus.inputPaths`), nor the default `paths`: the hub
                // has the input it sent and derives them where a chain goes on.
                var status = outcome.status
                status.inputPaths = []
                // Nor, when they all went one way, the files: the hub records "the input, all <state>".
                // A task that streamed progress lists them, to merge with what it streamed.
                if !reporter.isSending { status.compact(inputs: envelope.paths) }
                result = TaskResult(
                    taskID: envelope.taskID, attempt: attempt, jobID: envelope.jobID, paths: outcome.explicitPassedOn,
                    status: status, logs: outcome.logs.isEmpty ? nil : outcome.logs, node: node,
                    discover: outcome.discover, inventory: outcome.inventory, output: outcome.output,
                    subdags: outcome.subdags.isEmpty ? nil : outcome.subdags)
            } else {
                result = Self.failed(envelope, attempt: attempt, started: started, node: node, reason: "unknown task '\(envelope.task)' on this worker")
            }
        } catch is CancellationError {
            // Shutdown cut the task short: the entry stays pending and another worker takes it after the lease.
            await notices.end(envelope.taskID)
            keeper.untrack([delivery.id])
            logger.info("task \(envelope.taskID) interrupted by shutdown; it will be delivered again")
            return nil
        } catch {
            result = Self.failed(envelope, attempt: attempt, started: started, node: node, reason: "\(error)")
        }
        // A `started` already on its way goes first: the hub must not see it after the result.
        await notices.end(envelope.taskID)
        return Ran(delivery: delivery, taskID: envelope.taskID, result: result, reporter: reporter)
    }

    /// Hands a task's result to `reports`, which publishes it and acks the entry in one transaction.
    func report(_ ran: Ran) async {
        // Progress already on its way goes first: the hub must not see it after the result.
        await ran.reporter.finish()
        do {
            reports.submit(.init(payload: try WireCoding.encode(HubMessage.result(ran.result)), entry: ran.delivery.id))
        } catch {
            // A result always encodes; should one not, the entry stays pending and is delivered again.
            logger.error("task \(ran.taskID): cannot encode its result: \(error)")
            keeper.untrack([ran.delivery.id])
            reports.slots.reported(1)
        }
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
            status: TaskStatus(task: envelope.task, inputPaths: [], inputTotal: envelope.paths.count, started: started), error: reason,
            node: node)
    }

    private func ack(_ id: String) async {
        var backoff = RetryBackoff()
        while !Task.isCancelled {
            do {
                _ = try await control.ack([id])
                return
            } catch {
                let delay = backoff.next()
                logger.warning("cannot ack \(id), retrying in \(delay): \(error)")
                try? await Task.sleep(for: delay)
            }
        }
    }
}
