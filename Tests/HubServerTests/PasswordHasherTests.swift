import Testing

@testable import HubServer

/// Django's own test vectors (django/contrib/auth tests, `test_pbkdf2`): a hash Django wrote verifies here,
/// and the same password, salt and iterations give Django's exact string.
@Suite struct PasswordHasherTests {
    static let password = "l\u{E8}tmein"  // "lètmein", precomposed as in Django's test

    @Test(arguments: [
        (10_000, "pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY="),
        (870_000, "pbkdf2_sha256$870000$seasalt$wJSpLMQRQz0Dhj/pFpbyjMj71B2gUYp6HJS5AU+32Ac="),
        (1_000_000, "pbkdf2_sha256$1000000$seasalt$r1uLUxoxpP2Ued/qxvmje7UH9PUJBkRrvf9gGPL7Cps="),
    ])
    func djangoVectors(iterations: Int, encoded: String) throws {
        #expect(try PasswordHasher.encode(password: Self.password, salt: "seasalt", iterations: iterations) == encoded)
        #expect(PasswordHasher.verify(Self.password, encoded: encoded))
        #expect(!PasswordHasher.verify(Self.password + "z", encoded: encoded))
    }

    @Test func newHashesAreDjangoShapedWithFreshSalts() throws {
        let hasher = PasswordHasher(iterations: 1000)
        let a = try hasher.hash("Secret1!x")
        let b = try hasher.hash("Secret1!x")
        #expect(a != b)
        let parts = a.split(separator: "$")
        #expect(parts.count == 4)
        #expect(parts[0] == "pbkdf2_sha256" && parts[1] == "1000" && parts[2].count == 22)
        #expect(PasswordHasher.verify("Secret1!x", encoded: a))
        #expect(!hasher.needsUpdate(a))
        #expect(PasswordHasher(iterations: 2000).needsUpdate(a))
    }

    @Test func malformedAndUnusableHashesNeverVerify() {
        for encoded in [
            "", "!", PasswordHasher.unusable(), "md5$1$salt$abc", "pbkdf2_sha256$0$salt$AAAA",
            "pbkdf2_sha256$abc$salt$AAAA", "pbkdf2_sha256$1000$$AAAA", "pbkdf2_sha256$1000$salt$",
            "pbkdf2_sha256$1000$salt$not-base64", "pbkdf2_sha256$99999999999$salt$AAAA", "pbkdf2_sha256$1000$salt",
        ] {
            #expect(!PasswordHasher.verify("anything", encoded: encoded), "\(encoded)")
        }
        #expect(PasswordHasher.unusable().hasPrefix("!"))
    }

    @Test func emptyPasswordHashesLikeDjango() throws {
        // Python: hashlib.pbkdf2_hmac('sha256', b'', b'seasalt', 1000)
        let encoded = try PasswordHasher.encode(password: "", salt: "seasalt", iterations: 1000)
        #expect(encoded == "pbkdf2_sha256$1000$seasalt$XHfRVmyEZRTCcSbqGP00JKv0fRwYHK0ogjPZdSJxCXk=")
        #expect(PasswordHasher.verify("", encoded: encoded))
        #expect(!PasswordHasher.verify(" ", encoded: encoded))
    }
}
