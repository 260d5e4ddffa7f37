import Foundation
import Shared

/// Compact JWS with RS256 (RFC 7515/7519), the only algorithm accepted: a token naming another `alg`
/// (`none`, `HS256` keyed with the public key...) is rejected before any signature is checked.
enum JWT {
    /// Tokens longer than this are rejected unparsed.
    static let maximumLength = 8192

    static func sign(claims: JSON, kid: String, key: RSAKey) throws -> String {
        let header: JSON = ["alg": "RS256", "kid": .string(kid), "typ": "JWT"]
        let signingInput = Base64URL.encode(header.bytes) + "." + Base64URL.encode(claims.bytes)
        let signature = try key.signSHA256(Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// The claims of a well-formed RS256 token whose signature verifies with the key its `kid` names.
    /// Expiry and token type are the caller's to check. Nil for anything else.
    static func verifiedClaims(_ token: String, key: (_ kid: String?) -> RSAKey?) -> [String: JSONValue]? {
        guard token.utf8.count <= maximumLength else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
            let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
            let signature = Base64URL.decode(parts[2]),
            case .object(let header)? = try? JSONDecoder().decode(JSONValue.self, from: Data(headerBytes)),
            header["alg"] == .string("RS256"),
            let verifier = key(header["kid"]?.stringValue)
        else { return nil }
        let signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard verifier.verifySHA256(signature: signature, message: signingInput),
            case .object(let claims)? = try? JSONDecoder().decode(JSONValue.self, from: Data(payloadBytes))
        else { return nil }
        return claims
    }
}
