import Foundation
import Hummingbird
import Logging

/// Turns every error a route throws into a JSON body (`{"detail": ...}`), never a stack trace: HTTP errors
/// keep their status and message, anything else is a 500 whose details go to the log only.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            return Self.json(status: error.status, detail: error.body ?? error.status.reasonPhrase, headers: error.headers)
        } catch let error as any HTTPResponseError {
            return try error.response(from: request, context: context)
        } catch {
            context.logger.error("unhandled error on \(request.method) \(request.uri.path): \(error)")
            return Self.json(status: .internalServerError, detail: "A server error occurred.")
        }
    }

    static func json(status: HTTPResponse.Status, detail: String, headers: HTTPFields = [:]) -> Response {
        let body = (try? JSONEncoder().encode(["detail": detail])) ?? Data(#"{"detail":"error"}"#.utf8)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: .init(bytes: body)))
    }
}
