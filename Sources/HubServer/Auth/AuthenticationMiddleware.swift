import Logging
import Hummingbird

/// Sets `context.identity` from the `Authorization` header (`Bearer <jwt>` or `Api-Key <key>`), or
/// `context.authenticationFailure` when the credentials are bad. It never rejects by itself: whether a
/// route needs credentials is `Authorization.check`'s decision, so public routes stay reachable with a
/// stale header.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        switch try await authenticator.authenticate(authorization: request.headers[.authorization]) {
        case .anonymous: break
        case .authenticated(let identity):
            context.identity = identity
            context.logger[metadataKey: "user"] = .string(identity.username)
        case .failed(let error): context.authenticationFailure = error
        }
        return try await next(request, context)
    }
}
