import Foundation
import Shared
import Testing

@testable import HubServer

@Suite struct JWTTests {
    static let signingKey: SigningKey? = try? SigningKey(key: RSAKey.generate())

    func service(access: Int = 3600) throws -> TokenService {
        TokenService(signingKey: try #require(Self.signingKey), accessLifetime: access, refreshLifetime: 86400)
    }

    static func part(_ token: String, _ index: Int) throws -> [String: JSONValue] {
        let piece = token.split(separator: ".")[index]
        let bytes = try #require(Base64URL.decode(piece))
        guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else {
            throw TestError("not an object")
        }
        return object
    }

    @Test func tokensCarrySimpleJWTClaimsAndVerify() throws {
        let tokens = try service()
        let now = Date()
        let access = try tokens.issue(.access, userID: 42, now: now)
        let header = try Self.part(access, 0)
        #expect(header["alg"] == "RS256" && header["typ"] == "JWT" && header["kid"] == .string(tokens.signingKey.kid))
        let claims = try Self.part(access, 1)
        #expect(claims["token_type"] == "access" && claims["user_id"] == 42)
        #expect(claims["exp"]?.intValue == Int(now.timeIntervalSince1970) + 3600)
        #expect(tokens.verify(access, as: .access, now: now)?.userID == 42)
        #expect(tokens.verify(access, as: .refresh, now: now) == nil)
        let refresh = try tokens.issue(.refresh, userID: 42, now: now)
        #expect(tokens.verify(refresh, as: .refresh, now: now)?.type == .refresh)
        #expect(tokens.verify(refresh, as: .access, now: now) == nil)
    }

    @Test func expiredTamperedAndForeignTokensAreRefused() throws {
        let tokens = try service(access: 60)
        let now = Date()
        let access = try tokens.issue(.access, userID: 7, now: now)
        #expect(tokens.verify(access, as: .access, now: now.addingTimeInterval(61)) == nil)
        var parts = access.split(separator: ".").map(String.init)
        // Another user id with the old signature.
        parts[1] = Base64URL.encode(Array(#"{"token_type":"access","exp":9999999999,"iat":0,"jti":"x","user_id":1}"#.utf8))
        #expect(tokens.verify(parts.joined(separator: "."), as: .access, now: now) == nil)
        // alg "none" and HS256 are refused before any signature check.
        for alg in ["none", "HS256"] {
            let header = Base64URL.encode(Array(#"{"alg":"\#(alg)","typ":"JWT"}"#.utf8))
            let forged = header + "." + access.split(separator: ".")[1] + "." + access.split(separator: ".")[2]
            #expect(tokens.verify(forged, as: .access, now: now) == nil)
        }
        // Signed by another key.
        let other = TokenService(signingKey: try SigningKey(key: RSAKey.generate()), accessLifetime: 60, refreshLifetime: 60)
        #expect(tokens.verify(try other.issue(.access, userID: 7, now: now), as: .access, now: now) == nil)
        for junk in ["", "a.b", "a.b.c", String(repeating: "x", count: 9000), access + "x"] {
            #expect(tokens.verify(junk, as: .access, now: now) == nil)
        }
    }

    @Test func jwksPublishesTheKeyWithItsThumbprint() throws {
        let tokens = try service()
        guard case .array(let keys)? = tokens.jwks["keys"], case .object = keys.first else { throw TestError("no keys") }
        let key = try #require(keys.first)
        #expect(key["alg"] == .string("RS256") && key["kty"] == .string("RSA") && key["use"] == .string("sig"))
        #expect(key["e"] == .string("AQAB"))
        #expect(key["kid"] == .string(tokens.signingKey.kid))
        // RFC 7638 thumbprint recomputed here.
        guard case .string(let n)? = key["n"] else { throw TestError("no n") }
        let input = #"{"e":"AQAB","kty":"RSA","n":"\#(n)"}"#
        #expect(tokens.signingKey.kid == Base64URL.encode(Digest.sha256(Array(input.utf8))))
    }
}

struct TestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
