import Hummingbird
import Logging
import Postgres
import RedisQueue

/// Everything a route needs, built once at start.
struct HubDependencies: Sendable {
    let configuration: HubConfiguration
    let pool: PostgresPool
    let redis: RedisConnection
    let nodes: NodeStore
}

/// Builds the router: every route of the REST API under `/api/`, with trailing slashes accepted.
func buildRouter(_ deps: HubDependencies) -> Router<HubRequestContext> {
    let router = Router(context: HubRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    HealthController(nodes: deps.nodes, pool: deps.pool, redis: deps.redis).addRoutes(to: router)
    return router
}

/// Builds the HTTP application (a swift-service-lifecycle `Service`).
func buildApplication(_ deps: HubDependencies, logger: Logger) -> some ApplicationProtocol {
    Application(
        router: buildRouter(deps),
        configuration: .init(
            address: .hostname(deps.configuration.host, port: deps.configuration.port), serverName: "ngeneahub"),
        logger: logger)
}
