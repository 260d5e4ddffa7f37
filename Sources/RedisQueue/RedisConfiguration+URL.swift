extension RedisConfiguration {
    /// Parses `redis://[[username]:password@]host[:port][/database]`.
    ///
    /// - The port defaults to 6379, the database to 0. IPv6 hosts go in brackets (`redis://[::1]:6379`).
    /// - User name and password may be percent-encoded (`%40` for `@`).
    /// - `rediss://` (TLS), `unix://`, queries and fragments are rejected: hiredis 0.14 here speaks
    ///   plain TCP only.
    /// - Other settings (timeouts, backoff, retry policy) take their defaults.
    ///
    /// - Throws: ``RedisError`` with code ``RedisError/Code/invalidURL`` and a message saying which part is
    ///   wrong. The message never quotes the URL (a malformed one may carry the password elsewhere).
    public init(url: String) throws(RedisError) {
        self.init()
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else {
            throw .invalidURL("missing scheme: expected redis://host[:port][/db]")
        }
        let scheme = url[..<colon].lowercased()
        switch scheme {
        case "redis": break
        case "rediss": throw .invalidURL("rediss:// (TLS) is not supported by this client; use redis://")
        default: throw .invalidURL("unsupported scheme '\(scheme)': expected redis://")
        }
        var rest = url[url.index(colon, offsetBy: 3)...]
        if rest.contains("?") || rest.contains("#") {
            throw .invalidURL("query strings and fragments are not supported in a Redis URL")
        }

        // Split authority and path.
        let authority: Substring
        let path: Substring
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        } else {
            authority = rest
            path = ""
        }
        rest = authority

        // User information: everything before the last '@'.
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            guard let colon = userinfo.firstIndex(of: ":") else {
                throw .invalidURL("user information must be ':password' or 'user:password' (a password is required)")
            }
            let user = try Self.percentDecoded(userinfo[..<colon], part: "user name")
            let secret = try Self.percentDecoded(userinfo[userinfo.index(after: colon)...], part: "password")
            username = user.isEmpty ? nil : user
            password = secret.isEmpty ? nil : secret
        }

        // Host and port.
        let hostPart: Substring
        var portPart: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .invalidURL("unterminated IPv6 host '['") }
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .invalidURL("unexpected characters after IPv6 host") }
                portPart = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            hostPart = rest[..<colon]
            portPart = rest[rest.index(after: colon)...]
        } else {
            hostPart = rest
        }
        guard !hostPart.isEmpty else { throw .invalidURL("missing host") }
        guard !hostPart.contains(where: { $0 == " " || $0 == "@" || $0 == "/" }) else {
            throw .invalidURL("invalid host: it contains a space, '@' or '/'")
        }
        host = String(hostPart)
        if let portPart {
            guard !portPart.isEmpty, portPart.allSatisfy(\.isASCIIDigit), let value = Int(portPart),
                (1...65535).contains(value)
            else { throw .invalidURL("invalid port: expected an integer in 1...65535") }
            port = value
        }

        // Database index.
        if !path.isEmpty {
            guard path.allSatisfy(\.isASCIIDigit), let value = Int(path) else {
                throw .invalidURL("invalid database in the path: expected /<non-negative integer>")
            }
            database = value
        }
    }

    private static func percentDecoded(_ text: Substring, part: String) throws(RedisError) -> String {
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = utf8.popFirst().flatMap(hexValue), let low = utf8.popFirst().flatMap(hexValue) else {
                throw .invalidURL("invalid percent-encoding in the \(part)")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw .invalidURL("the \(part) is not valid UTF-8 after percent-decoding")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
