import Foundation
import Shared

/// Access and refresh tokens in the manner of djangorestframework-simplejwt (which the manual's hub
/// uses): RS256 JWTs with `token_type`, `exp`, `iat`, `jti` and `user_id` claims, signed with the hub's
/// key and published as a JWKS at `/api/auth/token/publickey/`.
struct TokenService: Sendable {
    enum TokenType: String, Sendable {
        case access, refresh
    }

    struct Claims: Sendable, Equatable {
        var userID: Int64
        var type: TokenType
        var expires: Date
    }

    let signingKey: SigningKey
    /// Seconds (manual: 1 hour and 1 day, L18653).
    let accessLifetime: Int
    let refreshLifetime: Int

    func issue(_ type: TokenType, userID: Int64, now: Date = Date()) throws -> String {
        let issued = Int64(now.timeIntervalSince1970)
        let lifetime = Int64(type == .access ? accessLifetime : refreshLifetime)
        let claims: JSON = [
            "token_type": .string(type.rawValue), "exp": .int(issued + lifetime), "iat": .int(issued),
            "jti": .string(Digest.hex(try SecureRandom.bytes(16))), "user_id": .int(userID),
        ]
        return try JWT.sign(claims: claims, kid: signingKey.kid, key: signingKey.key)
    }

    /// The claims of a valid, unexpired token of `type`; nil otherwise (never says which check failed:
    /// the caller answers "Token is invalid or expired" either way).
    func verify(_ token: String, as type: TokenType, now: Date = Date()) -> Claims? {
        let kid = signingKey.kid
        let key = signingKey.key
        guard let claims = JWT.verifiedClaims(token, key: { $0 == nil || $0 == kid ? key : nil }),
            claims["token_type"] == .string(type.rawValue),
            let exp = claims["exp"]?.intValue, Double(exp) > now.timeIntervalSince1970,
            let userID = claims["user_id"]?.intValue
        else { return nil }
        return Claims(userID: Int64(userID), type: type, expires: Date(timeIntervalSince1970: Double(exp)))
    }

    /// The JWKS (manual L19285-19296).
    var jwks: JSON { ["keys": [signingKey.jwk]] }
}
