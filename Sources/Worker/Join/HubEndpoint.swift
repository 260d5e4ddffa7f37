import Foundation

/// Where the hub's API is: `--hub URL`, else the worker configuration's `api_host`, `api_port` and
/// `api_secure` (https unless `api_secure = false`, manual L6797-6805).
struct HubEndpoint: Sendable, Equatable {
    var secure: Bool
    var host: String
    var port: Int

    /// The base URL requests are made against, e.g. `https://hub.example.com:8000`.
    var url: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(secure ? "https" : "http")://\(shownHost):\(port)"
    }

    /// The `[settings]` keys that point a worker at this hub.
    var settings: [(String, String)] {
        [("api_host", host), ("api_port", String(port)), ("api_secure", secure ? "true" : "false")]
    }

    /// Parses `--hub`: `http[s]://host[:port][/]`. Without a port, the scheme's default (80, 443).
    init(url text: String) throws(JoinFailure) {
        let bad = JoinFailure.usage("--hub: '\(text)' is not a hub address; expected http[s]://host[:port]")
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
            components.path.isEmpty || components.path == "/", components.query == nil, components.fragment == nil,
            components.user == nil, components.password == nil
        else { throw bad }
        secure = scheme == "https"
        // URLComponents keeps the brackets of an IPv6 literal; the config wants the bare address.
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let port = components.port ?? (secure ? 443 : 80)
        guard (1...65535).contains(port) else { throw bad }
        self.port = port
    }

    init(secure: Bool, host: String, port: Int) {
        self.secure = secure
        self.host = host
        self.port = port
    }
}
