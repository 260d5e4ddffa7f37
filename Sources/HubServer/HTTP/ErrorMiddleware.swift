import HTTPTypes
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Turns every error a route throws into a JSON body (`{"detail": ...}`), never a stack trace: API and
/// HTTP errors keep their status and message, an unknown path is DRF's 404 "Not found.", a known path
/// with another method 405, and anything else a 500 whose details go to the log only.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let registry: RouteRegistry

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound && context.endpointPath == "NotFound" {
            let methods = registry.methods(matching: request.uri.path)
            // A path some route's pattern matches but whose method the router did not find (a literal
            // segment such as change_password shadows {username}): 404, not a 405 naming that method.
            if !methods.isEmpty && !methods.contains(request.method.rawValue) {
                return try APIError.methodNotAllowed(request.method.rawValue, allowed: methods).response(from: request, context: context)
            }
            return try APIError.routeNotFound.response(from: request, context: context)
        } catch let error as HTTPError {
            return Self.json(status: error.status, detail: error.body ?? error.status.reasonPhrase, headers: error.headers)
        } catch is NIOTooManyBytesError {
            return try APIError.bodyTooLarge.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            return try error.response(from: request, context: context)
        } catch {
            // The error's description may name SQL, never bound values (passwords and keys are binds).
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
