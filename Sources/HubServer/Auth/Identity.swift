/// Who a request acts as, resolved once per request by `AuthenticationMiddleware` from the database, so
/// that a deactivated or deleted user, or a deleted key, stops working at once.
struct Identity: Sendable, Equatable {
    var userID: Int64
    var username: String
    var isSuperuser: Bool
    /// Ids of the user's groups (1 = Administrators, 2 = Users).
    var groupIDs: Set<Int64>
    /// Permission codenames the user holds through groups and directly (`view_site`, `add_user`, ...).
    var permissions: Set<String>
    /// Object permissions: codename -> the object ids (`object_pk`) it is granted on.
    var objectPermissions: [String: Set<String>] = [:]
    /// How the request authenticated.
    var method: Method

    enum Method: Sendable, Equatable {
        case accessToken
        case apiKey(keyID: Int64)
    }

    /// Administrators (superusers and members of group 1) pass every permission check (manual L19394-19399).
    var isAdministrator: Bool { isSuperuser || groupIDs.contains(Identity.administratorsGroupID) }

    static let administratorsGroupID: Int64 = 1
    static let usersGroupID: Int64 = 2

    /// Whether the identity holds `codename`, globally or (when `objectID` is given) on that object.
    func has(_ codename: String, objectID: String? = nil) -> Bool {
        if isAdministrator || permissions.contains(codename) { return true }
        if let objectID, objectPermissions[codename]?.contains(objectID) == true { return true }
        return false
    }

    /// Whether the identity may use a route with this access rule for this HTTP method.
    /// - Parameters:
    ///   - parameter: the route's path parameters by name (for `.modelOrSelf`).
    ///   - objectID: the object the route addresses (`{id}`), for object permissions.
    func allows(
        _ access: RouteAccess, method: String, parameter: (String) -> String? = { _ in nil }, objectID: String? = nil
    ) -> Bool {
        if isAdministrator { return true }
        switch access {
        case .public, .authenticated: return true
        case .administrator: return false
        case .permission(let codename): return has(codename)
        case .model(let model): return has(RouteAccess.codename(model: model, method: method), objectID: objectID)
        case .modelOrSelf(let model, let name):
            if let value = parameter(name), value == username { return true }
            return has(RouteAccess.codename(model: model, method: method), objectID: objectID)
        }
    }
}
