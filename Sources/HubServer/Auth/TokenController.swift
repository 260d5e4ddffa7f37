import Logging
import Foundation
import Hummingbird

/// `/api/auth/token/...`: JWTs from a username and password, refresh, verify, and the public key.
struct TokenController: Sendable {
    let auth: AuthServices

    static let invalidToken = APIError.authenticationFailed("Token is invalid or expired", code: "token_not_valid")

    func addRoutes(to api: APIRouter) {
        let tag = "auth"
        api.post(
            "/api/auth/token/", access: .public, tag: tag,
            summary: "Obtain an access token (1 hour) and a refresh token (1 day). Repeated failures lock the client out for a while (429).",
            status: .ok, body: [.string("username", required: true), .string("password", required: true)]
        ) { request, context in try await obtain(request, context) }
        api.post(
            "/api/auth/token/refresh/", access: .public, tag: tag, summary: "A new access token for a refresh token.", status: .ok,
            body: [.string("refresh", required: true)]
        ) { request, _ in
            var reader = try await RequestJSON.fields(request)
            let token = reader.secret("refresh", required: true, maxLength: JWT.maximumLength)
            try reader.validate()
            guard let token, let claims = auth.tokens.verify(token, as: .refresh),
                let user = try await auth.users.find(id: claims.userID), user.isActive
            else { throw Self.invalidToken }
            return JSONResponse(["access": .string(try auth.tokens.issue(.access, userID: user.id))])
        }
        api.post(
            "/api/auth/token/verify/", access: .public, tag: tag,
            summary: "Check a token (unexpired, its user exists and is active) and return its user.", status: .ok,
            body: [.string("type", required: true, "access or refresh"), .string("token", required: true)]
        ) { request, _ in
            var reader = try await RequestJSON.fields(request)
            let type = reader.string("type", required: true, allowBlank: false, maxLength: 16)
            let token = reader.secret("token", required: true, maxLength: JWT.maximumLength)
            var tokenType: TokenService.TokenType?
            if let type {
                tokenType = TokenService.TokenType(rawValue: type)
                if tokenType == nil { reader.fail("type", "\"\(type)\" is not a valid choice.") }
            }
            try reader.validate()
            guard let token, let tokenType, let claims = auth.tokens.verify(token, as: tokenType),
                let user = try await auth.users.find(id: claims.userID), user.isActive
            else { throw Self.invalidToken }
            return JSONResponse(user.verifyJSON)
        }
        // Public: a JWKS holds no secret, and services verifying tokens should not need credentials.
        api.get("/api/auth/token/publickey/", access: .public, tag: tag, summary: "The JWKS that verifies the hub's tokens (RS256).") {
            _, _ in JSONResponse(auth.tokens.jwks)
        }
    }

    private func obtain(_ request: Request, _ context: HubRequestContext) async throws -> JSONResponse {
        var reader = try await RequestJSON.fields(request)
        let username = reader.string("username", required: true, allowBlank: false, maxLength: UserInput.maximumNameLength)
        let password = reader.secret("password", required: true)
        try reader.validate()
        guard let username, let password else { throw APIError.notAuthenticated }
        let client = auth.client(request, context)
        try await auth.checkThrottle(client: client, username: username)
        let stored = try await auth.users.credentials(username: username)
        // Verify even for an unknown user, so that the answer takes as long either way.
        let matches = try await auth.verifyPassword(password, against: stored?.password ?? auth.dummyHash)
        guard let stored, matches, stored.isActive else {
            if let wait = try await auth.throttle.recordFailure(client: client, username: username) {
                // Name the account only when it exists: an unknown "username" may be a password typed in
                // the wrong box, and no secret goes to the log.
                let who = stored == nil ? "an unknown username" : "user \(username)"
                context.logger.notice("logins for \(who) from \(client) locked out for \(wait) s after repeated failures")
            }
            throw APIError.authenticationFailed("No active account found with the given credentials", code: "no_active_account")
        }
        try await auth.throttle.recordSuccess(client: client, username: username)
        try await auth.users.recordLogin(id: stored.id)
        if auth.hasher.needsUpdate(stored.password) {
            // As Django does on login: move the hash to the configured iterations.
            try await auth.users.setPassword(id: stored.id, hash: try await auth.hashPassword(password))
        }
        return JSONResponse([
            "access": .string(try auth.tokens.issue(.access, userID: stored.id)),
            "refresh": .string(try auth.tokens.issue(.refresh, userID: stored.id)),
        ])
    }
}
