import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real HTTP client for the hub's API in tests.
enum HTTP {
    struct Response: Sendable {
        var status: Int
        var headers: [String: String] = [:]
        var body: Data

        func json() throws -> Any { try JSONSerialization.jsonObject(with: body) }
        /// The body as a JSON object ([:] when it is not one).
        var object: [String: Any] { ((try? json()) as? [String: Any]) ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
        /// `detail` of a DRF error body.
        var detail: String? { object["detail"] as? String }
        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    /// A session that neither caches nor keeps cookies, so every request stands alone.
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpShouldSetCookies = false
        configuration.timeoutIntervalForRequest = 60
        return URLSession(configuration: configuration)
    }()

    static func get(_ url: String, headers: [String: String] = [:]) async throws -> Response {
        try await request("GET", url, headers: headers)
    }

    /// Sends `body` as is (raw bytes) or `json` serialised; `Content-Type: application/json` unless given.
    static func request(
        _ method: String, _ url: String, headers: [String: String] = [:], json: Any? = nil, body: Data? = nil
    ) async throws -> Response {
        guard let target = URL(string: url) else { throw TestFailure("bad URL \(url)") }
        var request = URLRequest(url: target)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed])
        } else if let body {
            request.httpBody = body
        }
        if request.httpBody != nil, headers.keys.first(where: { $0.lowercased() == "content-type" }) == nil {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw TestFailure("not an HTTP response") }
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key] = value }
        }
        return Response(status: http.statusCode, headers: fields, body: data)
    }
}

/// The API of one hub as one caller: `Authorization` added to every request.
struct APIClient: Sendable {
    let base: String
    var authorization: String?

    func with(_ authorization: String?) -> APIClient { APIClient(base: base, authorization: authorization) }
    func bearer(_ token: String) -> APIClient { with("Bearer \(token)") }
    func apiKey(_ key: String) -> APIClient { with("Api-Key \(key)") }

    private var headers: [String: String] { authorization.map { ["Authorization": $0] } ?? [:] }

    func get(_ path: String) async throws -> HTTP.Response { try await HTTP.request("GET", base + path, headers: headers) }
    func delete(_ path: String) async throws -> HTTP.Response { try await HTTP.request("DELETE", base + path, headers: headers) }
    func post(_ path: String, _ json: Any? = nil) async throws -> HTTP.Response {
        try await HTTP.request("POST", base + path, headers: headers, json: json)
    }
    func patch(_ path: String, _ json: Any) async throws -> HTTP.Response {
        try await HTTP.request("PATCH", base + path, headers: headers, json: json)
    }
    func send(_ method: String, _ path: String, json: Any? = nil, body: Data? = nil, headers extra: [String: String] = [:])
        async throws -> HTTP.Response
    {
        try await HTTP.request(method, base + path, headers: headers.merging(extra) { _, new in new }, json: json, body: body)
    }
}

/// The path of an absolute URL (tests compare paths: hosts depend on how the hub was reached).
func pathOf(_ url: Any?) -> String? {
    guard let text = url as? String, let parsed = URL(string: text) else { return nil }
    return parsed.path + (parsed.path.hasSuffix("/") ? "" : "/") + (parsed.query.map { "?" + $0 } ?? "")
}
