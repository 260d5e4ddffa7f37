import Foundation
import Postgres

/// Resolves an `Authorization` header to an `Identity`, reading the user, groups and permissions from
/// PostgreSQL on every request: a deactivated or deleted user, or a deleted key, stops working at once.
struct Authenticator: Sendable {
    let pool: PostgresPool
    let tokens: TokenService

    enum Outcome: Sendable {
        /// No credentials (or a scheme this hub does not use).
        case anonymous
        case authenticated(Identity)
        /// Credentials were given and are not valid: 401 with this body on non-public routes.
        case failed(APIError)
    }

    func authenticate(authorization header: String?) async throws -> Outcome {
        guard let header else { return .anonymous }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        let space = trimmed.firstIndex(of: " ")
        let scheme = String(trimmed[..<(space ?? trimmed.endIndex)]).lowercased()
        let credential = space.map { trimmed[$0...].trimmingCharacters(in: .whitespaces) } ?? ""
        switch scheme {
        case "bearer", "jwt":
            guard !credential.isEmpty else {
                return .failed(.authenticationFailed("Invalid Authorization header. No credentials provided."))
            }
            guard !credential.contains(" ") else {
                return .failed(.authenticationFailed("Invalid Authorization header. Credentials string should not contain spaces."))
            }
            return try await authenticateToken(credential)
        case "api-key":
            guard !credential.isEmpty else {
                return .failed(.authenticationFailed("Invalid Authorization header. No credentials provided."))
            }
            return try await authenticateKey(credential)
        default:
            return .anonymous
        }
    }

    private func authenticateToken(_ token: String) async throws -> Outcome {
        guard let claims = tokens.verify(token, as: .access) else {
            return .failed(.authenticationFailed("Given token not valid for any token type", code: "token_not_valid"))
        }
        guard let user = try await IdentityStore(pool: pool).load(userID: claims.userID) else {
            return .failed(.authenticationFailed("User not found", code: "user_not_found"))
        }
        guard user.isActive else { return .failed(.authenticationFailed("User is inactive", code: "user_inactive")) }
        var identity = user.identity
        identity.method = .accessToken
        return .authenticated(identity)
    }

    private func authenticateKey(_ key: String) async throws -> Outcome {
        guard let prefix = ClientKeyCodec.prefix(of: key),
            let found = try await IdentityStore(pool: pool).load(keyPrefix: prefix),
            ClientKeyCodec.matches(key, hashed: found.hashedKey)
        else { return .failed(.authenticationFailed("Invalid API key.")) }
        // Keys of a deactivated user stay, and work again after activation (AMB-51).
        guard found.user.isActive else { return .failed(.authenticationFailed("User inactive or deleted.")) }
        var identity = found.user.identity
        identity.method = .apiKey(keyID: found.keyID)
        return .authenticated(identity)
    }
}

/// Loads what authorization needs about a user in one round trip.
struct IdentityStore: Sendable {
    let pool: PostgresPool

    struct LoadedUser: Sendable {
        var identity: Identity
        var isActive: Bool
    }

    private static let columns = """
        u.id, u.username, u.is_active, u.is_superuser,
        ARRAY(SELECT ug.group_id FROM auth_user_groups ug WHERE ug.user_id = u.id) AS group_ids,
        ARRAY(SELECT p.codename FROM auth_permission p WHERE p.id IN (
                SELECT gp.permission_id FROM auth_group_permissions gp
                JOIN auth_user_groups ug ON ug.group_id = gp.group_id WHERE ug.user_id = u.id
                UNION SELECT up.permission_id FROM auth_user_permissions up WHERE up.user_id = u.id)) AS permissions,
        COALESCE((SELECT json_agg(json_build_array(p.codename, o.object_pk)) FROM (
                SELECT gop.permission_id, gop.object_pk FROM auth_group_object_permissions gop
                JOIN auth_user_groups ug ON ug.group_id = gop.group_id WHERE ug.user_id = u.id
                UNION SELECT uop.permission_id, uop.object_pk FROM auth_user_object_permissions uop WHERE uop.user_id = u.id
            ) o JOIN auth_permission p ON p.id = o.permission_id), '[]'::json) AS object_permissions
        """

    func load(userID: Int64) async throws -> LoadedUser? {
        let rows = try await pool.query("SELECT \(Self.columns) FROM auth_user u WHERE u.id = $1", [.int64(userID)])
        return try rows.first.map(Self.decode)
    }

    func load(keyPrefix: String) async throws -> (user: LoadedUser, keyID: Int64, hashedKey: String)? {
        let rows = try await pool.query(
            """
            SELECT k.id AS key_id, k.hashed_key, \(Self.columns)
            FROM auth_client_key k JOIN auth_user u ON u.id = k.user_id WHERE k.prefix = $1
            """, [.string(keyPrefix)])
        guard let row = rows.first else { return nil }
        return (try Self.decode(row), try row.decode(Int64.self, "key_id"), try row.decode(String.self, "hashed_key"))
    }

    private static func decode(_ row: PostgresRow) throws -> LoadedUser {
        var objectPermissions: [String: Set<String>] = [:]
        for pair in try row.decodeJSON([[String]].self, "object_permissions") where pair.count == 2 {
            objectPermissions[pair[0], default: []].insert(pair[1])
        }
        let identity = Identity(
            userID: try row.decode(Int64.self, "id"), username: try row.decode(String.self, "username"),
            isSuperuser: try row.decode(Bool.self, "is_superuser"),
            groupIDs: Set(try row.decode([Int64].self, "group_ids")),
            permissions: Set(try row.decode([String].self, "permissions")),
            objectPermissions: objectPermissions, method: .accessToken)
        return LoadedUser(identity: identity, isActive: try row.decode(Bool.self, "is_active"))
    }
}
