import HubCore
import Shared
import Testing

@Suite struct JobStateMachineTests {
    @Test func pendingUntilTheFirstTaskStarts() {
        // Discovery running, nothing dispatched yet.
        #expect(JobStateMachine.derive(current: .new, progress: JobProgress(outstandingDiscovery: true)) == .pending)
        #expect(JobStateMachine.derive(current: .pending, progress: JobProgress(pendingTasks: 3, outstandingDiscovery: true)) == .pending)
        #expect(JobStateMachine.derive(current: .pending, progress: JobProgress(pendingTasks: 2, startedTasks: 1)) == .started)
        #expect(JobStateMachine.derive(current: .new, progress: JobProgress()) == .new)
    }

    @Test func startedWhileWorkRemains() {
        #expect(JobStateMachine.derive(current: .started, progress: JobProgress(pendingTasks: 1, finishedTasks: 4)) == .started)
        // Discovery may still add work even though every task so far has finished.
        #expect(JobStateMachine.derive(current: .started, progress: JobProgress(finishedTasks: 4, outstandingDiscovery: true)) == .started)
    }

    @Test func finishesAsSuccessOrFailure() {
        #expect(JobStateMachine.derive(current: .started, progress: JobProgress(finishedTasks: 4)) == .success)
        #expect(JobStateMachine.derive(current: .started, progress: JobProgress(finishedTasks: 4, failedFiles: 1)) == .failure)
        #expect(JobStateMachine.derive(current: .started, progress: JobProgress(failedTasks: 1, finishedTasks: 4)) == .failure)
        // Discovery that found nothing.
        #expect(JobStateMachine.derive(current: .pending, progress: JobProgress()) == .success)
    }

    @Test func finalStatesStayFinal() {
        for state in JobState.allCases where state.isFinal {
            #expect(JobStateMachine.derive(current: state, progress: JobProgress(pendingTasks: 5, startedTasks: 2)) == state)
        }
        #expect(JobState.allCases.filter(\.isFinal) == [.success, .failure, .error, .cancelled, .skipped])
    }

    @Test func pauseAndResume() {
        #expect(JobStateMachine.pause(.started) == .success(.pausing))
        #expect(JobStateMachine.pause(.pending) == .success(.pausing))
        #expect(JobStateMachine.derive(current: .pausing, progress: JobProgress(pendingTasks: 5, startedTasks: 1)) == .pausing)
        #expect(JobStateMachine.derive(current: .pausing, progress: JobProgress(pendingTasks: 5)) == .paused)
        #expect(JobStateMachine.derive(current: .paused, progress: JobProgress(pendingTasks: 5)) == .paused)
        #expect(JobStateMachine.resume(.paused) == .success(.started))
        #expect(JobStateMachine.resume(.pausing) == .success(.started))
        // Resumed before any task ran: back to pending once derived.
        #expect(JobStateMachine.derive(current: .started, progress: JobProgress(pendingTasks: 5)) == .pending)
    }

    @Test func cancel() {
        for state in JobState.allCases where !state.isFinal && state != .dequeuing {
            #expect(JobStateMachine.cancel(state) == .success(.dequeuing), "\(state)")
        }
        #expect(JobStateMachine.derive(current: .dequeuing, progress: JobProgress(pendingTasks: 3, startedTasks: 1)) == .dequeuing)
        #expect(JobStateMachine.derive(current: .dequeuing, progress: JobProgress(pendingTasks: 0, finishedTasks: 3)) == .cancelled)
    }

    @Test func illegalControlRequests() throws {
        for state: JobState in [.success, .failure, .cancelled, .paused, .pausing, .dequeuing, .new] {
            guard case .failure(let error) = JobStateMachine.pause(state) else {
                Issue.record("pause from \(state) should fail")
                continue
            }
            #expect(error.message.contains(state.rawValue) || error.message.contains("already"))
        }
        for state: JobState in [.started, .pending, .success, .cancelled, .dequeuing] {
            #expect((try? JobStateMachine.resume(state).get()) == nil, "resume from \(state)")
        }
        for state: JobState in [.success, .failure, .error, .cancelled, .skipped, .dequeuing] {
            #expect((try? JobStateMachine.cancel(state).get()) == nil, "cancel from \(state)")
        }
        #expect(JobStateMachine.pause(.success) == .failure(JobControlError(
            message: "The job is SUCCESS and cannot be paused; only PENDING or STARTED jobs can.")))
    }

    @Test func taskStates() {
        #expect(TaskState.allCases.filter { !$0.isFinal } == [.pending, .started])
        #expect(TaskState(rawValue: "ERROR") == .error)
    }

    @Test func fileOutcome() {
        #expect(FileOutcome.combine([.processed, .failures]) == .failures)
        #expect(FileOutcome.combine([.skipped, .aborted]) == .aborted)
        #expect(FileOutcome.combine([.aborted, .failures]) == .failures)
        #expect(FileOutcome.combine([.skipped, .skipped]) == .skipped)
        #expect(FileOutcome.combine([.skipped, .processed]) == .processed)
        #expect(FileOutcome.combine([.processed]) == .processed)
        #expect(FileOutcome.combine([.processed, .inprogress]) == .inprogress)
        #expect(FileOutcome.combine([]) == .skipped)
    }
}
