import Foundation
import HubCore
import Hummingbird
import Postgres
import RedisQueue
import Shared

/// `GET /api/health/`: the hub's view of itself and of every site's workers (manual L18680-18715).
/// Needs `view_health` (manual L20137-20141: "Can view health endpoint", id 1).
struct HealthController: Sendable {
    let nodes: NodeStore
    let pool: PostgresPool
    let redis: RedisConnection
    let configuration: ConfigurationStore

    func addRoutes(to api: APIRouter) {
        api.get("/api/health/", access: .permission("view_health"), tag: "health", summary: "Health of the hub and of every site's nodes.") {
            _, _ in try await report()
        }
    }

    func report() async throws -> HealthReport {
        var databaseError: String?
        var sites: [String] = []
        var nodeStatuses: [NodeStatus] = []
        var onlineWithin: Int?
        do {
            onlineWithin = try await configuration.load().nodeOnlineSeconds
            sites = try await nodes.siteNames()
            nodeStatuses = try await nodes.nodes()
        } catch {
            databaseError = "\(error)"
        }
        var brokerError: String?
        do {
            let reply = try await redis.command(["PING"])
            if case .error(let message) = reply { brokerError = message }
        } catch {
            brokerError = "\(error)"
        }
        return HealthReport.derive(
            sites: sites, nodes: nodeStatuses, databaseError: databaseError, brokerError: brokerError,
            version: SoftwareVersion.current, now: Date(), onlineWithin: onlineWithin)
    }
}

extension HealthReport: ResponseEncodable {}
