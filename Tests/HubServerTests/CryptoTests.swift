import Foundation
import Shared
import Testing

@testable import HubServer

@Suite struct CryptoTests {
    @Test func base64URLRoundTripsWithoutPadding() throws {
        for length in 0..<40 {
            let bytes = try SecureRandom.bytes(length)
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == bytes)
        }
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base64URL.decode("a+b") == nil)
        #expect(Base64URL.decode("abc=") == nil)
        #expect(Base64URL.decode("a") == nil)
    }

    @Test func sha256AndConstantTimeCompare() {
        #expect(Digest.hex(Digest.sha256(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!Digest.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!Digest.constantTimeEqual([1, 2], [1, 2, 3]))
    }

    @Test func randomStringsUseTheAlphabet() throws {
        let text = try SecureRandom.string(length: 500)
        #expect(text.count == 500)
        #expect(text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
    }

    @Test func rsaKeysSignVerifyAndSurvivePEM() throws {
        let key = try RSAKey.generate()
        let message = Array("header.payload".utf8)
        let signature = try key.signSHA256(message)
        #expect(signature.count == 256)
        #expect(key.verifySHA256(signature: signature, message: message))
        #expect(!key.verifySHA256(signature: signature, message: Array("header.payloaD".utf8)))
        var tampered = signature
        tampered[10] ^= 1
        #expect(!key.verifySHA256(signature: tampered, message: message))
        let pem = try key.privateKeyPEM()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let reloaded = try RSAKey(privateKeyPEM: pem)
        #expect(reloaded.verifySHA256(signature: signature, message: message))
        let (n, e) = try key.publicComponents()
        #expect(n.count == 256 && e == [0x01, 0x00, 0x01])
        #expect(throws: OpenSSLError.self) { try RSAKey(privateKeyPEM: "not a key") }
    }

    @Test func clientKeysHaveThePrefixDotSecretShape() throws {
        let generated = try ClientKeyCodec.generate()
        #expect(generated.key.count == 41)
        #expect(ClientKeyCodec.prefix(of: generated.key) == generated.prefix)
        #expect(ClientKeyCodec.matches(generated.key, hashed: generated.hashed))
        #expect(!ClientKeyCodec.matches(generated.key + "x", hashed: generated.hashed))
        #expect(!generated.hashed.contains(generated.key))
        for bad in ["", "abc", "abcdefgh", "abcdefgh.short", "abcdefg!." + String(repeating: "a", count: 32), "a.b.c"] {
            #expect(ClientKeyCodec.prefix(of: bad) == nil, "\(bad)")
        }
    }
}
