import Hummingbird

/// The absolute base of `url` fields and pagination links (`http://hub:8000`).
///
/// `NGENEAHUB_PUBLIC_URL` wins when set (use it behind a TLS-terminating proxy). Otherwise the request's
/// own `Host` is used, as Django's `build_absolute_uri` does, so that links work from whatever address the
/// client reached; a malformed `Host` falls back to the listening address.
struct PublicURL: Sendable {
    let configured: String?
    let fallback: String

    func base(for request: Request) -> String {
        if let configured { return configured }
        if let host = request.head.authority, Self.isPlausibleHost(host) { return "http://" + host }
        return fallback
    }

    /// Host names, IPv4, bracketed IPv6, with an optional port; nothing that could break out of a URL.
    static func isPlausibleHost(_ host: String) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 255 else { return false }
        return host.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: ":"),
                UInt8(ascii: "["), UInt8(ascii: "]"):
                true
            default: false
            }
        }
    }
}
