import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real HTTP client for the hub's API in tests.
enum HTTP {
    struct Response {
        var status: Int
        var body: Data
        func json() throws -> Any { try JSONSerialization.jsonObject(with: body) }
    }

    static func get(_ url: String) async throws -> Response {
        guard let target = URL(string: url) else { throw TestFailure("bad URL \(url)") }
        let (data, response) = try await URLSession.shared.data(from: target)
        guard let http = response as? HTTPURLResponse else { throw TestFailure("not an HTTP response") }
        return Response(status: http.statusCode, body: data)
    }
}
