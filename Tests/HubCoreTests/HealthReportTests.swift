import Foundation
import HubCore
import Testing

@Suite struct HealthReportTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func node(_ name: String, site: String, age: TimeInterval, ttl: Int = 15, queues: [String] = ["default"]) -> NodeStatus {
        NodeStatus(
            name: name, site: site, lastHeartbeat: now.addingTimeInterval(-age), ttl: ttl, softwareVersion: "0.1.0",
            queues: queues)
    }

    @Test func allOnlineIsOK() {
        let report = HealthReport.derive(
            sites: ["london"], nodes: [node("n1", site: "london", age: 2), node("n2", site: "london", age: 14)],
            databaseError: nil, brokerError: nil, version: "0.1.0", now: now)
        #expect(report.overallHealth == .ok)
        #expect(report.siteStatus.map(\.health) == [.ok])
        #expect(report.siteStatus.first?.nodes.allSatisfy(\.online) == true)
    }

    @Test func someOfflineIsWarningAndAllOfflineIsCritical() {
        let report = HealthReport.derive(
            sites: [],
            nodes: [
                node("n1", site: "london", age: 2), node("n2", site: "london", age: 16),
                node("d1", site: "dublin", age: 100),
            ], databaseError: nil, brokerError: nil, version: "0.1.0", now: now)
        let bySite = Dictionary(uniqueKeysWithValues: report.siteStatus.map { ($0.site, $0) })
        #expect(bySite["london"]?.health == .warning)
        #expect(bySite["dublin"]?.health == .critical)
        #expect(bySite["dublin"]?.nodes.first?.online == false)
        #expect(report.overallHealth == .critical)
    }

    /// The manual shows a site without nodes as `ok` (L26275-26425); an INFO alert says so instead.
    @Test func siteWithoutNodesIsOK() {
        let report = HealthReport.derive(
            sites: ["empty"], nodes: [], databaseError: nil, brokerError: nil, version: "0.1.0", now: now)
        #expect(report.siteStatus.first?.health == .ok)
        #expect(report.siteStatus.first?.nodes.isEmpty == true)
        #expect(report.siteStatus.first?.queues.isEmpty == true)
    }

    /// The configured interval tightens the node's own ttl; a queue is online while one of its nodes is.
    @Test func configuredIntervalAndQueues() {
        let report = HealthReport.derive(
            sites: ["s"], nodes: [node("n1", site: "s", age: 10, queues: ["default", "fast"]), node("n2", site: "s", age: 2, queues: ["default"])],
            databaseError: nil, brokerError: nil, version: "0.1.0", now: now, onlineWithin: 5)
        let site = report.siteStatus.first
        #expect(site?.nodes.map(\.online) == [false, true])
        #expect(site?.health == .warning)
        #expect(site?.queues.map(\.name) == ["default", "fast"])
        #expect(site?.queues.map(\.online) == [true, false])
        #expect(site?.queues.first?.lastHeartbeat == now.addingTimeInterval(-2))
    }

    @Test func brokenDependencyMakesTheHubCritical() {
        let report = HealthReport.derive(
            sites: [], nodes: [], databaseError: nil, brokerError: "connection refused", version: "0.1.0", now: now)
        #expect(report.hubStatus.health == .critical)
        #expect(report.hubStatus.broker == "connection refused")
        #expect(report.hubStatus.database == "ok")
        #expect(report.overallHealth == .critical)
    }

    @Test func hasDefaultQueueFollowsTheNodesQueues() {
        let report = HealthReport.derive(
            sites: [], nodes: [node("n1", site: "s", age: 1, queues: ["highpriority"])], databaseError: nil,
            brokerError: nil, version: "0.1.0", now: now)
        #expect(report.siteStatus.first?.nodes.first?.hasDefaultQueue == false)
    }
}
