import Foundation

/// Passwords stored as Django stores them, `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`, so that hashes
/// carried over from a Django-based hub verify here and the other way round.
struct PasswordHasher: Sendable {
    static let algorithm = "pbkdf2_sha256"
    /// Stored hashes with more iterations than this are refused rather than computed (a corrupt or hostile
    /// row must not stall a thread for minutes).
    static let maximumIterations = 10_000_000

    /// Iterations for new hashes.
    var iterations: Int

    /// A new hash with a fresh 22-character salt (Django's salt length and alphabet).
    func hash(_ password: String) throws -> String {
        try Self.encode(password: password, salt: try SecureRandom.string(length: 22), iterations: iterations)
    }

    static func encode(password: String, salt: String, iterations: Int) throws -> String {
        precondition(!salt.contains("$"), "a salt cannot contain $")
        let derived = try PBKDF2.sha256(password: Array(password.utf8), salt: Array(salt.utf8), iterations: iterations)
        return "\(algorithm)$\(iterations)$\(salt)$\(Data(derived).base64EncodedString())"
    }

    /// Whether `password` matches `encoded`. False for an unusable password (`!...`), another algorithm,
    /// or a malformed hash.
    static func verify(_ password: String, encoded: String) -> Bool {
        guard let parts = parse(encoded),
            let expected = Data(base64Encoded: parts.hash).map(Array.init), !expected.isEmpty,
            let derived = try? PBKDF2.sha256(
                password: Array(password.utf8), salt: Array(parts.salt.utf8), iterations: parts.iterations,
                length: expected.count)
        else { return false }
        return Digest.constantTimeEqual(derived, expected)
    }

    /// Whether a verified hash should be replaced (it uses other iterations than now configured), as
    /// Django's `must_update` does on login.
    func needsUpdate(_ encoded: String) -> Bool {
        guard let parts = Self.parse(encoded) else { return true }
        return parts.iterations != iterations || parts.salt.count < 12
    }

    /// A value that matches no password (Django's unusable password form).
    static func unusable() -> String {
        "!" + ((try? SecureRandom.string(length: 40)) ?? "unusable")
    }

    private static func parse(_ encoded: String) -> (iterations: Int, salt: String, hash: String)? {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == algorithm, let iterations = Int(parts[1]),
            iterations > 0, iterations <= maximumIterations, !parts[2].isEmpty
        else { return nil }
        return (iterations, String(parts[2]), String(parts[3]))
    }
}
