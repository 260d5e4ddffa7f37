import COpenSSL

/// PBKDF2-HMAC-SHA256 (RFC 8018) through OpenSSL's PKCS5_PBKDF2_HMAC.
enum PBKDF2 {
    static func sha256(password: [UInt8], salt: [UInt8], iterations: Int, length: Int = 32) throws -> [UInt8] {
        guard iterations > 0, iterations <= Int(Int32.max), length > 0 else {
            throw OpenSSLError("PBKDF2 (bad parameters)")
        }
        var out = [UInt8](repeating: 0, count: length)
        let status = password.withUnsafeBytes { pass in
            salt.withUnsafeBytes { saltBytes in
                // OpenSSL accepts NULL with length 0 for an empty password or salt.
                PKCS5_PBKDF2_HMAC(
                    pass.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(pass.count),
                    saltBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(saltBytes.count),
                    Int32(iterations), EVP_sha256(), Int32(length), &out)
            }
        }
        guard status == 1 else { throw OpenSSLError("PKCS5_PBKDF2_HMAC") }
        return out
    }
}
