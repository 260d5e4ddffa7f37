import Hummingbird

/// `/api/users/` (manual L19392-20010): users by username, their password, activation.
struct UsersController: Sendable {
    let auth: AuthServices
    var users: UserStore { auth.users }

    func addRoutes(to api: APIRouter) {
        let tag = "users"
        let userFields: [FieldDoc] = [
            .string("password", "Write-only; at least 8 characters with a digit, an uppercase letter and a special character."),
            .string("first_name"), .string("last_name"), .string("email"),
            .array("groups", of: "string", "Group names, e.g. [\"Users\"]; replaces the memberships."),
            .object("profile", "phone, timezone, country, department, line_manager, default_site (site id), home_site (site id); null removes it."),
            .object("nas_user", "{primary_group (a NAS group's name), allow_ssh}; the uid is allocated by the hub; null disables NAS access."),
        ]
        api.get("/api/users/", access: .model("user"), tag: tag, summary: "List users, by username.", paginated: true) {
            request, context in
            try await Paginated.respond(request, context, base: auth.publicURL, count: { try await users.count() }) { limit, offset in
                try await users.list(limit: limit, offset: offset).map { $0.json(base: auth.publicURL.base(for: request)) }
            }
        }
        api.post(
            "/api/users/", access: .model("user"), tag: tag, summary: "Create a user (active).",
            body: [.string("username", required: true, "At most 150 letters, digits and @ . + - _.")] + userFields
        ) { request, context in try await create(request, context) }
        api.post(
            "/api/users/change_password/", access: .authenticated, tag: tag,
            summary: "Change your own password.", status: .ok,
            body: [.string("old_password", required: true), .string("new_password", required: true)]
        ) { request, context in try await changePassword(request, context) }
        api.get(
            "/api/users/{username}/", access: .modelOrSelf("user", parameter: "username"), tag: tag,
            summary: "A user; users without view_user may read their own account."
        ) { request, context in
            JSONResponse(try await load(context).json(base: auth.publicURL.base(for: request)))
        }
        api.patch(
            "/api/users/{username}/", access: .modelOrSelf("user", parameter: "username"), tag: tag,
            summary: "Change a user. Without change_user you may change your own names, email and profile only.",
            body: userFields
        ) { request, context in try await update(request, context) }
        api.delete("/api/users/{username}/", access: .model("user"), tag: tag, summary: "Delete a user and their client keys.") {
            request, context in
            let identity = try context.requireIdentity()
            let target = try await load(context)
            if target.id == identity.userID { throw APIError.badRequest("You cannot delete your own account.") }
            try guardAdministrator(target, by: identity)
            guard try await users.delete(username: target.username) else { throw APIError.notFound("User") }
            return JSONResponse.noContent
        }
        for (action, active) in [("activate", true), ("deactivate", false)] {
            api.post(
                "/api/users/{username}/\(action)/", access: .permission("change_user"), tag: tag,
                summary: active ? "Activate a user: they may log in and use the API again." : "Deactivate a user: their tokens and keys stop working at once."
            ) { request, context in
                let identity = try context.requireIdentity()
                let target = try await load(context)
                if !active, target.id == identity.userID { throw APIError.badRequest("You cannot deactivate your own account.") }
                try guardAdministrator(target, by: identity)
                guard let user = try await users.setActive(username: target.username, active) else { throw APIError.notFound("User") }
                return JSONResponse(status: .created, user.json(base: auth.publicURL.base(for: request)))
            }
        }
    }

    private func load(_ context: HubRequestContext) async throws -> UserRecord {
        guard let username = context.pathParameter("username"), let user = try await users.find(username: username) else {
            throw APIError.notFound("User")
        }
        return user
    }

    /// Only administrators may change an administrator's account, or make someone an administrator:
    /// otherwise `change_user` alone would be a way to take over the hub.
    private func guardAdministrator(_ target: UserRecord, by identity: Identity) throws {
        if target.isAdministrator && !identity.isAdministrator && target.id != identity.userID {
            throw APIError.permissionDenied
        }
    }

    private func checkGroupGrant(_ groups: [String]?, by identity: Identity) throws {
        if let groups, groups.contains(GroupStore.administratorsName), !identity.isAdministrator {
            throw APIError.permissionDenied
        }
    }

    private func create(_ request: Request, _ context: HubRequestContext) async throws -> JSONResponse {
        let identity = try context.requireIdentity()
        var reader = try await RequestJSON.fields(request)
        let input = UserInput.read(&reader, creating: true)
        if let password = input.password, let username = input.username {
            let attributes = PasswordPolicy.Attributes(
                username: username, firstName: input.firstName ?? "", lastName: input.lastName ?? "", email: input.email ?? "")
            for problem in PasswordPolicy.problems(password, for: attributes) { reader.fail("password", problem) }
        }
        try reader.validate()
        try checkGroupGrant(input.groups, by: identity)
        var changes = UserStore.Changes(
            username: input.username, firstName: input.firstName, lastName: input.lastName, email: input.email,
            groups: input.groups, profile: input.profile, nasUser: input.nasUser)
        if let password = input.password { changes.passwordHash = try await auth.hashPassword(password) }
        let user = try await users.create(changes)
        return JSONResponse(status: .created, user.writeJSON(base: auth.publicURL.base(for: request), created: true))
    }

    private func update(_ request: Request, _ context: HubRequestContext) async throws -> JSONResponse {
        let identity = try context.requireIdentity()
        let target = try await load(context)
        var reader = try await RequestJSON.fields(request)
        let input = UserInput.read(&reader, creating: false)
        // A user editing themself without change_user (AMB-12): names, email and profile only. The
        // password goes through change_password, which asks for the old one.
        if !identity.has("change_user") {
            let forbidden = ["password", "groups", "nas_user"].filter { reader.has($0) }
            if !forbidden.isEmpty {
                throw APIError(
                    status: .forbidden,
                    detail: "You do not have permission to change \(forbidden.joined(separator: ", ")) of your account.")
            }
        }
        try guardAdministrator(target, by: identity)
        if let password = input.password {
            let attributes = PasswordPolicy.Attributes(
                username: target.username, firstName: input.firstName ?? target.firstName,
                lastName: input.lastName ?? target.lastName, email: input.email ?? target.email)
            for problem in PasswordPolicy.problems(password, for: attributes) { reader.fail("password", problem) }
        }
        try reader.validate()
        try checkGroupGrant(input.groups, by: identity)
        var changes = UserStore.Changes(
            firstName: input.firstName, lastName: input.lastName, email: input.email, groups: input.groups,
            profile: input.profile, nasUser: input.nasUser)
        if let password = input.password { changes.passwordHash = try await auth.hashPassword(password) }
        let user = try await users.update(username: target.username, changes)
        return JSONResponse(user.writeJSON(base: auth.publicURL.base(for: request), created: false))
    }

    /// `POST /api/users/change_password/` (manual L19616-19670): the caller's own password, with the old
    /// one as proof. Wrong old passwords count towards the login lockout (a stolen token must not become
    /// a way to guess the password).
    private func changePassword(_ request: Request, _ context: HubRequestContext) async throws -> JSONResponse {
        let identity = try context.requireIdentity()
        let client = auth.client(request, context)
        try await auth.checkThrottle(client: client, username: identity.username)
        var reader = try await RequestJSON.fields(request)
        let old = reader.secret("old_password", required: true)
        let new = reader.secret("new_password", required: true)
        try reader.validate()
        guard let old, let new, let user = try await users.find(id: identity.userID),
            let stored = try await users.credentials(id: identity.userID)
        else { throw APIError.notAuthenticated }
        guard try await auth.verifyPassword(old, against: stored) else {
            try await auth.throttle.recordFailure(client: client, username: identity.username)
            throw APIError.invalid("old_password", "Incorrect password.")
        }
        let attributes = PasswordPolicy.Attributes(
            username: user.username, firstName: user.firstName, lastName: user.lastName, email: user.email)
        let problems = PasswordPolicy.problems(new, for: attributes)
        if !problems.isEmpty { throw APIError(fields: ["new_password": problems]) }
        try await users.setPassword(id: identity.userID, hash: try await auth.hashPassword(new))
        try await auth.throttle.recordSuccess(client: client, username: identity.username)
        return JSONResponse(["message": "password successfully changed"])
    }
}
