import Hummingbird
import Postgres

/// What the authentication and user routes share, built once at start.
struct AuthServices: Sendable {
    let pool: PostgresPool
    let users: UserStore
    let tokens: TokenService
    let hasher: PasswordHasher
    let hashing: PasswordWorkQueue
    let throttle: LoginThrottle
    let trustedProxies: Set<String>
    let publicURL: PublicURL

    /// A stand-in hash verified when the username does not exist, so that a login for an unknown user
    /// costs as much as one for a known user (Django does the same) and timing does not reveal usernames.
    var dummyHash: String {
        "\(PasswordHasher.algorithm)$\(hasher.iterations)$timingequaliser0000000$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    }

    func verifyPassword(_ password: String, against encoded: String) async throws -> Bool {
        try await hashing.run { PasswordHasher.verify(password, encoded: encoded) }
    }

    func hashPassword(_ password: String) async throws -> String {
        let hasher = hasher
        return try await hashing.run { try hasher.hash(password) }
    }

    func client(_ request: Request, _ context: HubRequestContext) -> String {
        ClientAddress.resolve(request: request, peer: context.remoteAddress, trustedProxies: trustedProxies)
    }

    /// 429 when this client is locked out for this username.
    func checkThrottle(client: String, username: String) async throws {
        if let wait = try await throttle.retryAfter(client: client, username: username) {
            throw APIError.throttled(retryAfter: wait)
        }
    }
}

extension HubRequestContext {
    /// The caller; routes other than public ones always have one (`Authorization.check` ran first).
    func requireIdentity() throws -> Identity {
        guard let identity else { throw authenticationFailure ?? APIError.notAuthenticated }
        return identity
    }
}
