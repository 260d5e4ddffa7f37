import Foundation
import Hummingbird

/// An error with the Django REST Framework body the manual's clients expect: `{"detail": "..."}` or, for
/// validation, `{"field": ["message", ...]}`. Bodies never carry a secret: messages name fields, not values.
struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    let status: HTTPResponse.Status
    let body: [String: JSONBody]
    var headers: HTTPFields = [:]

    /// A value in an error body: a message, or a list of messages per field.
    enum JSONBody: Sendable, Encodable, Equatable {
        case message(String)
        case messages([String])
        case nested([String: [String]])

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .message(let text): try container.encode(text)
            case .messages(let list): try container.encode(list)
            case .nested(let map): try container.encode(map)
            }
        }
    }

    init(status: HTTPResponse.Status, detail: String, code: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        var body: [String: JSONBody] = ["detail": .message(detail)]
        if let code { body["code"] = .message(code) }
        self.body = body
        self.headers = headers
    }

    /// 400 with field -> messages.
    init(fields: [String: [String]]) {
        self.status = .badRequest
        self.body = fields.mapValues { .messages($0) }
    }

    /// 400 with field -> messages or nested field -> messages (a `profile` sub-field, say).
    init(fieldErrors: [String: JSONBody]) {
        self.status = .badRequest
        self.body = fieldErrors
    }

    static let notAuthenticated = APIError(
        status: .unauthorized, detail: "Authentication credentials were not provided.",
        headers: [.wwwAuthenticate: #"Bearer realm="api""#])
    static let permissionDenied = APIError(status: .forbidden, detail: "You do not have permission to perform this action.")
    static let invalidPage = APIError(status: .notFound, detail: "Invalid page.")
    static let routeNotFound = APIError(status: .notFound, detail: "Not found.")
    static let bodyTooLarge = APIError(status: .contentTooLarge, detail: "Request body is too large.")

    /// 401 for credentials that were given but are not valid (simplejwt's and DRF's bodies).
    static func authenticationFailed(_ detail: String, code: String? = nil) -> APIError {
        APIError(status: .unauthorized, detail: detail, code: code, headers: [.wwwAuthenticate: #"Bearer realm="api""#])
    }

    /// 429 with `Retry-After` in whole seconds (DRF's throttling body).
    static func throttled(retryAfter seconds: Int) -> APIError {
        let wait = max(1, seconds)
        return APIError(
            status: .tooManyRequests, detail: "Request was throttled. Expected available in \(wait) seconds.",
            headers: [.retryAfter: String(wait)])
    }

    static func methodNotAllowed(_ method: String, allowed: [String]) -> APIError {
        APIError(
            status: .methodNotAllowed, detail: "Method \"\(method)\" not allowed.",
            headers: [.allow: allowed.joined(separator: ", ")])
    }

    /// 404 in Django's words: `No <Model> matches the given query.`
    static func notFound(_ model: String) -> APIError {
        APIError(status: .notFound, detail: "No \(model) matches the given query.")
    }

    /// 400 naming one field.
    static func invalid(_ field: String, _ message: String) -> APIError {
        APIError(fields: [field: [message]])
    }

    /// 400 with a `detail` (a rule about the whole request rather than one field).
    static func badRequest(_ detail: String) -> APIError {
        APIError(status: .badRequest, detail: detail)
    }

    var description: String { "HTTP \(status.code): \(body)" }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(body)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: .init(bytes: data)))
    }
}
