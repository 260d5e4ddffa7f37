/// Client keys as djangorestframework-api-key shapes them: `<prefix>.<secret>`, an 8-character prefix
/// (stored, for lookup) and a 32-character secret (~190 random bits). Only a SHA-256 of the whole key is
/// stored: the key is shown once, at creation (manual L19099), and a fast hash is enough for a secret
/// of this entropy (a password needs PBKDF2 because people choose weak ones).
enum ClientKeyCodec {
    static let prefixLength = 8
    static let secretLength = 32

    struct Generated: Sendable {
        /// The key to show once.
        var key: String
        var prefix: String
        var hashed: String
    }

    static func generate() throws -> Generated {
        let prefix = try SecureRandom.string(length: prefixLength)
        let key = prefix + "." + (try SecureRandom.string(length: secretLength))
        return Generated(key: key, prefix: prefix, hashed: hash(key))
    }

    /// The prefix of a well-formed key; nil when the text cannot be a key.
    static func prefix(of key: String) -> String? {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == prefixLength, parts[1].count == secretLength,
            key.utf8.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: ".") })
        else { return nil }
        return String(parts[0])
    }

    static func hash(_ key: String) -> String {
        "sha256$" + Digest.hex(Digest.sha256(Array(key.utf8)))
    }

    static func matches(_ key: String, hashed: String) -> Bool {
        Digest.constantTimeEqual(Array(hash(key).utf8), Array(hashed.utf8))
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}
