import Hummingbird
import NIOCore

/// Caps request bodies (`NGENEAHUB_MAX_BODY_BYTES`): a declared `Content-Length` over the limit is
/// refused before reading, and a body is collected up to the limit (chunked bodies included), so a
/// handler never sees more. Over the limit: 413 `{"detail": "Request body is too large."}`.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let maxBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBytes {
            throw APIError.bodyTooLarge
        }
        var request = request
        do {
            _ = try await request.collectBody(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge
        }
        return try await next(request, context)
    }
}
