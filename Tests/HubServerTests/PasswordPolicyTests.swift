import Testing

@testable import HubServer

@Suite struct PasswordPolicyTests {
    static let user = PasswordPolicy.Attributes(username: "hubadmin", firstName: "Ada", lastName: "Lovelace", email: "ada@example.com")

    @Test func aGoodPasswordPasses() {
        #expect(PasswordPolicy.problems("Correct-Horse-7", for: Self.user).isEmpty)
        #expect(PasswordPolicy.problems("Ünïcode9€x", for: Self.user).isEmpty)
    }

    @Test(arguments: [
        ("Sh0rt!", "This password is too short. It must contain at least 8 characters."),
        ("NoDigits!here", "This password must contain at least 1 digit, 0-9."),
        ("nouppercase1!", "This password must contain at least 1 uppercase letter, A-Z."),
        ("NoSpecial123", "This password must contain at least 1 special character, e.g. !@#$%^&*."),
        ("Hubadmin1!", "The password is too similar to the username."),
        ("Lovelace99!", "The password is too similar to the last name."),
        ("Ada@example.com1", "The password is too similar to the email address."),
    ])
    func eachRuleHasItsMessage(password: String, message: String) {
        #expect(PasswordPolicy.problems(password, for: Self.user).contains(message))
    }

    @Test func everyBrokenRuleIsReported() {
        #expect(PasswordPolicy.problems("abc", for: Self.user).count == 4)
    }

    /// Django's `UserAttributeSimilarityValidator` cases: quick_ratio >= 0.7 against the value and its parts,
    /// skipping parts that are tiny next to a long password.
    @Test func similarityFollowsDjango() {
        #expect(PasswordPolicy.isTooSimilar("testclient", to: "testclient"))
        #expect(PasswordPolicy.isTooSimilar("example", to: "example@example.com"))  // the part "example"
        #expect(!PasswordPolicy.isTooSimilar("a-completely-different-thing", to: "bob"))
        #expect(!PasswordPolicy.isTooSimilar("Xy9!Qw3#Lk", to: "hubadmin"))
        #expect(PasswordPolicy.quickRatio(Array("abcd".unicodeScalars), Array("bcde".unicodeScalars)) == 0.75)
    }
}
