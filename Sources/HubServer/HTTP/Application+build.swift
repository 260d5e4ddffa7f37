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
    let auth: AuthServices
    let engine: WorkflowEngine
}

/// Builds the router: middleware (request log, errors, body limit, authentication), then every route of
/// the REST API under `/api/` through `APIRouter`, which records each route and checks its permission.
func buildRouter(_ deps: HubDependencies) -> Router<HubRequestContext> {
    let router = Router(context: HubRequestContext.self)
    let registry = RouteRegistry()
    // The request log is outermost so that it sees the status errors were turned into.
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ErrorMiddleware(registry: registry))
    router.add(middleware: BodyLimitMiddleware(maxBytes: deps.configuration.maxBodyBytes))
    router.add(middleware: AuthenticationMiddleware(authenticator: Authenticator(pool: deps.pool, tokens: deps.auth.tokens)))
    let api = APIRouter(router: router, registry: registry)
    let publicURL = deps.auth.publicURL
    TokenController(auth: deps.auth).addRoutes(to: api)
    ClientKeysController(keys: ClientKeyStore(pool: deps.pool), publicURL: publicURL).addRoutes(to: api)
    UsersController(auth: deps.auth).addRoutes(to: api)
    GroupsController(groups: GroupStore(pool: deps.pool), publicURL: publicURL).addRoutes(to: api)
    PermissionsController(pool: deps.pool, publicURL: publicURL).addRoutes(to: api)
    let configuration = ConfigurationStore(pool: deps.pool)
    let health = HealthController(nodes: deps.nodes, pool: deps.pool, redis: deps.redis, configuration: configuration)
    health.addRoutes(to: api)
    ConfigurationsController(store: configuration).addRoutes(to: api)
    FeaturesController(pool: deps.pool, publicURL: publicURL).addRoutes(to: api)
    SitesController(sites: SiteStore(pool: deps.pool), engine: deps.engine, health: health, publicURL: publicURL).addRoutes(to: api)
    InventoryController(pool: deps.pool, publicURL: publicURL).addRoutes(to: api)
    SettingsController(pool: deps.pool, engine: deps.engine, publicURL: publicURL).addRoutes(to: api)
    AlertsController(pool: deps.pool).addRoutes(to: api)
    SchedulesController(store: ScheduleStore(pool: deps.pool), scheduler: Scheduler(engine: deps.engine), publicURL: publicURL)
        .addRoutes(to: api)
    QueuesController(pool: deps.pool, publicURL: publicURL).addRoutes(to: api)
    NetworkController(pool: deps.pool, publicURL: publicURL).addRoutes(to: api)
    PKIController(pool: deps.pool, publicURL: publicURL).addRoutes(to: api)
    AutomatedSchedulesController(pool: deps.pool, publicURL: publicURL).addRoutes(to: api)
    PoliciesController(store: PolicyStore(pool: deps.pool), runner: PolicyRunner(engine: deps.engine), publicURL: publicURL)
        .addRoutes(to: api)
    NodesController(nodes: deps.nodes, publicURL: publicURL).addRoutes(to: api)
    WorkflowsController(workflows: deps.engine.workflows, publicURL: publicURL).addRoutes(to: api)
    JobsController(engine: deps.engine, jobs: JobQueries(pool: deps.pool), publicURL: publicURL).addRoutes(to: api)
    TasksController(pool: deps.pool, publicURL: publicURL).addRoutes(to: api)
    JobStatsController(pool: deps.pool, publicURL: publicURL).addRoutes(to: api)
    SchemaController(registry: registry, publicURL: publicURL).addRoutes(to: api)
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
