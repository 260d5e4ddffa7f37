import HTTPTypes
/// Who may call a route. Every route of the API declares one when it is registered (`APIRouter`), and the
/// check runs in one place before the handler, so a route cannot be added without a permission.
enum RouteAccess: Sendable, Equatable, CustomStringConvertible {
    /// No credentials needed (obtaining a token, the public key, the API description).
    case `public`
    /// Any authenticated, active user.
    case authenticated
    /// Django model permissions (DjangoModelPermissions): GET needs `view_<model>`, POST `add_<model>`,
    /// PATCH/PUT `change_<model>`, DELETE `delete_<model>`. Administrators pass. On a route whose path has
    /// an `{id}`, an object permission for that id (`object_permissions`) passes too.
    case model(String)
    /// As `.model`, or the path parameter `parameter` names the caller's own account (a user reading or
    /// editing themself, manual L19676, L19746). What a self-edit may change is the handler's business.
    case modelOrSelf(String, parameter: String)
    /// One named permission whatever the method, e.g. `view_health` for `/api/health/`.
    case permission(String)
    /// Administrators only.
    case administrator

    /// The Django-style codename a method needs on a model.
    static func codename(model: String, method: String) -> String {
        switch method.uppercased() {
        case "GET", "HEAD", "OPTIONS": return "view_\(model)"
        case "POST": return "add_\(model)"
        case "PUT", "PATCH": return "change_\(model)"
        case "DELETE": return "delete_\(model)"
        default: return "change_\(model)"
        }
    }

    /// The permission codename this rule asks of a method, if it asks for one.
    func requiredCodename(method: String) -> String? {
        switch self {
        case .public, .authenticated, .administrator: nil
        case .model(let model), .modelOrSelf(let model, _): Self.codename(model: model, method: method)
        case .permission(let codename): codename
        }
    }

    var description: String {
        switch self {
        case .public: "public"
        case .authenticated: "authenticated"
        case .model(let model): "model permissions on \(model)"
        case .modelOrSelf(let model, let parameter): "model permissions on \(model), or own account ({\(parameter)})"
        case .permission(let codename): "permission \(codename)"
        case .administrator: "administrators"
        }
    }
}

/// Which credentials a route accepts.
enum AcceptedCredentials: String, Sendable, Equatable {
    /// A JWT access token or a client key.
    case any
    /// A JWT access token only: creating or revoking client keys needs a JWT (manual L18903, L19216 xref),
    /// so that a leaked key cannot mint or remove keys.
    case accessToken
}
