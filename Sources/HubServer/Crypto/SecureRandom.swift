import COpenSSL

/// Cryptographically secure random values from OpenSSL's DRBG.
enum SecureRandom {
    static func bytes(_ count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        guard count == 0 || RAND_bytes(&buffer, Int32(count)) == 1 else { throw OpenSSLError("RAND_bytes") }
        return buffer
    }

    static let alphanumerics = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    /// A random string over `alphabet`, uniform (rejection sampling avoids the modulo bias).
    static func string(length: Int, alphabet: [Character] = alphanumerics) throws -> String {
        precondition(!alphabet.isEmpty && alphabet.count <= 256)
        let limit = 256 - (256 % alphabet.count)
        var result = ""
        result.reserveCapacity(length)
        while result.count < length {
            for byte in try bytes(length * 2) where Int(byte) < limit {
                result.append(alphabet[Int(byte) % alphabet.count])
                if result.count == length { break }
            }
        }
        return result
    }
}
