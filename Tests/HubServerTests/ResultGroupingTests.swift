import Foundation
import Shared
import Testing

@testable import HubServer

/// How the result consumer cuts a claimed batch into transactions (`pathsPerTransaction`).
@Suite struct ResultGroupingTests {
    @Test func groupsKeepOrderAndStayWithinTheLimit() {
        let groups = ResultConsumerService.groups([3, 4, 2, 9, 12, 1, 1], weight: { $0 }, limit: 10)
        #expect(groups == [[3, 4, 2], [9], [12], [1, 1]], "an item over the limit is a group of its own")
        #expect(ResultConsumerService.groups([Int](), weight: { $0 }, limit: 10).isEmpty)
    }

    @Test func aDiscoveryResultWeighsItsItemsAndDirectories() {
        var status = TaskStatus(task: "dynamo.tasks.recursive_navigate", inputPaths: [], started: Date())
        status.add(.processed, FileDetail(path: "/mmfs1/a"))
        let result = TaskResult(
            taskID: "t1", attempt: 1, jobID: 1, paths: (0..<1000).map { PathItem(path: "/mmfs1/d/f\($0)") }, status: status,
            node: "n1", discover: ["/mmfs1/d/sub"])
        #expect(ResultConsumerService.paths(in: .result(result)) == 1 + 1000 + 1 + 1)
        // 100 such results (a whole 100,000-file tree) go in twelve transactions of nine, not one.
        let groups = ResultConsumerService.groups(
            Array(repeating: HubMessage.result(result), count: 100), weight: ResultConsumerService.paths(in:),
            limit: ResultConsumerService.pathsPerTransaction)
        #expect(groups.count == 12)
        #expect(groups.dropLast().allSatisfy { $0.count == 9 })
        #expect(groups.flatMap { $0 }.count == 100)
    }
}
