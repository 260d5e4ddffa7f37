import HTTPTypes
import Foundation
import Hummingbird

/// The permission check every route runs before its handler (the one place of enforcement).
enum Authorization {
    /// - Throws: 401 without valid credentials on a non-public route (the authentication failure's own
    ///   body when credentials were given but were bad, else DRF's "Authentication credentials were not
    ///   provided."); 403 `{"detail": "You do not have permission to perform this action."}` when the
    ///   identity lacks the permission or used a client key where only a JWT is accepted.
    static func check(_ spec: RouteSpec, context: HubRequestContext) throws {
        if spec.access == .public { return }
        guard let identity = context.identity else {
            throw context.authenticationFailure ?? APIError.notAuthenticated
        }
        if spec.credentials == .accessToken, identity.method != .accessToken {
            throw APIError(
                status: .forbidden, detail: "This action needs a JWT access token (Authorization: Bearer); a client key is not accepted.")
        }
        let allowed = identity.allows(
            spec.access, method: spec.method.rawValue,
            parameter: { name in context.pathParameter(name) },
            objectID: spec.objectParameter.flatMap { context.pathParameter($0) })
        guard allowed else { throw APIError.permissionDenied }
    }
}

extension HubRequestContext {
    /// A path parameter, percent-decoded (`/api/users/a%40b/` names `a@b`).
    func pathParameter(_ name: String) -> String? {
        guard let raw = parameters.get(name) else { return nil }
        return raw.removingPercentEncoding ?? raw
    }
}
