import Foundation
import Postgres

/// Users in PostgreSQL. Writes run in one transaction each and end with `AdministratorGuard`, so no
/// change can leave the hub without an active administrator.
struct UserStore: Sendable {
    let pool: PostgresPool

    static let select = """
        SELECT u.id, u.username, u.first_name, u.last_name, u.email, u.is_active, u.is_superuser, u.is_staff,
               u.last_login, u.date_joined,
               p.user_id IS NOT NULL AS has_profile, p.phone, p.timezone, p.country, p.department, p.line_manager,
               p.default_site_id, p.home_site_id, n.uid, n.primary_group, n.allow_ssh,
               ARRAY(SELECT up.permission_id FROM auth_user_permissions up WHERE up.user_id = u.id ORDER BY up.id)
                   AS user_permissions,
               COALESCE((SELECT json_agg(json_build_object('id', g.id, 'name', g.name) ORDER BY ug.id)
                         FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id WHERE ug.user_id = u.id),
                        '[]'::json) AS groups
        FROM auth_user u
        LEFT JOIN auth_user_profile p ON p.user_id = u.id
        LEFT JOIN auth_nas_user n ON n.user_id = u.id
        """

    static func decode(_ row: PostgresRow) throws -> UserRecord {
        var profile: UserProfile?
        if try row.decode(Bool.self, "has_profile") {
            profile = UserProfile(
                phone: try row.decode(String?.self, "phone"), timezone: try row.decode(String?.self, "timezone"),
                country: try row.decode(String?.self, "country"), department: try row.decode(String?.self, "department"),
                lineManager: try row.decode(String?.self, "line_manager"),
                defaultSite: try row.decode(Int64?.self, "default_site_id"), homeSite: try row.decode(Int64?.self, "home_site_id"))
        }
        var nas: NASUser?
        if let uid = try row.decode(Int?.self, "uid") {
            nas = NASUser(
                uid: uid, primaryGroup: try row.decode(String.self, "primary_group"), allowSSH: try row.decode(Bool.self, "allow_ssh"))
        }
        return UserRecord(
            id: try row.decode(Int64.self, "id"), username: try row.decode(String.self, "username"),
            firstName: try row.decode(String.self, "first_name"), lastName: try row.decode(String.self, "last_name"),
            email: try row.decode(String.self, "email"), isActive: try row.decode(Bool.self, "is_active"),
            isSuperuser: try row.decode(Bool.self, "is_superuser"), isStaff: try row.decode(Bool.self, "is_staff"),
            lastLogin: try row.decode(Date?.self, "last_login"), dateJoined: try row.decode(Date.self, "date_joined"),
            groups: try row.decodeJSON([GroupRef].self, "groups"), profile: profile, nasUser: nas,
            userPermissionIDs: try row.decode([Int].self, "user_permissions"))
    }

    func count() async throws -> Int {
        try await pool.query("SELECT count(*) AS n FROM auth_user", []).first?.decode(Int.self, "n") ?? 0
    }

    /// A page of users, by username (AMB-55, manual L19433-19488), case-insensitively and independent of
    /// the database's collation, so pages are stable everywhere.
    func list(limit: Int?, offset: Int) async throws -> [UserRecord] {
        try await pool.query(
            Self.select + #" ORDER BY lower(u.username) COLLATE "C", u.username COLLATE "C" LIMIT $1 OFFSET $2"#,
            [limit.map { .int($0) }, .int(offset)]
        ).map(Self.decode)
    }

    func find(username: String) async throws -> UserRecord? {
        try await pool.query(Self.select + " WHERE u.username = $1", [.string(username)]).first.map(Self.decode)
    }

    func find(id: Int64) async throws -> UserRecord? {
        try await pool.query(Self.select + " WHERE u.id = $1", [.int64(id)]).first.map(Self.decode)
    }

    /// The stored password hash and state for a login attempt.
    func credentials(username: String) async throws -> (id: Int64, password: String, isActive: Bool)? {
        let rows = try await pool.query(
            "SELECT id, password, is_active FROM auth_user WHERE username = $1", [.string(username)])
        return try rows.first.map {
            (try $0.decode(Int64.self, "id"), try $0.decode(String.self, "password"), try $0.decode(Bool.self, "is_active"))
        }
    }

    func credentials(id: Int64) async throws -> String? {
        try await pool.query("SELECT password FROM auth_user WHERE id = $1", [.int64(id)]).first?.decode(String.self, "password")
    }

    func setPassword(id: Int64, hash: String) async throws {
        try await pool.execute("UPDATE auth_user SET password = $2 WHERE id = $1", [.int64(id), .string(hash)])
    }

    func recordLogin(id: Int64) async throws {
        try await pool.execute("UPDATE auth_user SET last_login = now() WHERE id = $1", [.int64(id)])
    }

    /// What a create or update writes, already validated for shape and with the password hashed.
    struct Changes: Sendable {
        var username: String?
        var passwordHash: String?
        var firstName: String?
        var lastName: String?
        var email: String?
        var groups: [String]?
        var profile: Field<ProfileInput> = .absent
        var nasUser: Field<NASUserInput> = .absent
        var isSuperuser = false
    }

    /// Creates a user.
    /// - Throws: 400 for a taken username, an unknown group or site, a NAS primary group that is not a group.
    func create(_ changes: Changes) async throws -> UserRecord {
        do {
            return try await insert(changes)
        } catch let error as PostgresError where error.isUniqueViolation {
            // Two requests for one new username at once: the loser hears what a later request would.
            throw APIError.invalid("username", "A user with that username already exists.")
        }
    }

    private func insert(_ changes: Changes) async throws -> UserRecord {
        let id = try await pool.transaction { conn -> Int64 in
            guard let username = changes.username, let hash = changes.passwordHash else {
                throw APIError(fields: ["username": ["This field is required."]])
            }
            if try !conn.query("SELECT 1 FROM auth_user WHERE username = $1", [.string(username)]).isEmpty {
                throw APIError.invalid("username", "A user with that username already exists.")
            }
            let id = try conn.query(
                """
                INSERT INTO auth_user (username, password, first_name, last_name, email, is_superuser, is_staff)
                VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id
                """,
                [
                    .string(username), .string(hash), .string(changes.firstName ?? ""), .string(changes.lastName ?? ""),
                    .string(changes.email ?? ""), .bool(changes.isSuperuser),
                ]
            ).first?.decode(Int64.self, "id") ?? 0
            try Self.apply(changes, to: id, current: nil, conn: conn)
            return id
        }
        guard let user = try await find(id: id) else { throw APIError.notFound("User") }
        return user
    }

    /// Applies a partial update to `username`.
    func update(username: String, _ changes: Changes) async throws -> UserRecord {
        let id = try await pool.transaction { conn -> Int64 in
            guard let row = try conn.query(Self.select + " WHERE u.username = $1 FOR UPDATE OF u", [.string(username)]).first else {
                throw APIError.notFound("User")
            }
            let current = try Self.decode(row)
            var sets: [String] = []
            var binds: [PostgresBind?] = [.int64(current.id)]
            func set(_ column: String, _ value: String?) {
                guard let value else { return }
                binds.append(.string(value))
                sets.append("\(column) = $\(binds.count)")
            }
            set("password", changes.passwordHash)
            set("first_name", changes.firstName)
            set("last_name", changes.lastName)
            set("email", changes.email)
            if !sets.isEmpty {
                try conn.execute("UPDATE auth_user SET \(sets.joined(separator: ", ")) WHERE id = $1", binds)
            }
            try Self.apply(changes, to: current.id, current: current, conn: conn)
            try AdministratorGuard.check(conn)
            return current.id
        }
        guard let user = try await find(id: id) else { throw APIError.notFound("User") }
        return user
    }

    /// Groups, profile and NAS settings of a create or update.
    private static func apply(_ changes: Changes, to id: Int64, current: UserRecord?, conn: PostgresConnection) throws {
        var errors: [String: APIError.JSONBody] = [:]
        if let names = changes.groups {
            var groupIDs: [Int64] = []
            var missing: [String] = []
            for name in names {
                if let gid = try conn.query("SELECT id FROM auth_group WHERE name = $1", [.string(name)]).first?.decode(Int64.self, "id") {
                    if !groupIDs.contains(gid) { groupIDs.append(gid) }
                } else {
                    missing.append("Object with name=\(name) does not exist.")
                }
            }
            if missing.isEmpty {
                try conn.execute("DELETE FROM auth_user_groups WHERE user_id = $1 AND NOT (group_id = ANY($2))", [.int64(id), .array(groupIDs)])
                for gid in groupIDs {
                    try conn.execute(
                        "INSERT INTO auth_user_groups (user_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [.int64(id), .int64(gid)])
                }
            } else {
                errors["groups"] = .messages(missing)
            }
        }
        switch changes.profile {
        case .absent: break
        case .null: try conn.execute("DELETE FROM auth_user_profile WHERE user_id = $1", [.int64(id)])
        case .value(let input):
            let profile = input.applied(to: current?.profile)
            var siteErrors: [String: [String]] = [:]
            for (key, site) in [("default_site", profile.defaultSite), ("home_site", profile.homeSite)] {
                if let site, try conn.query("SELECT 1 FROM sites WHERE id = $1", [.int64(site)]).isEmpty {
                    siteErrors[key] = ["Invalid pk \"\(site)\" - object does not exist."]
                }
            }
            if siteErrors.isEmpty {
                try conn.execute(
                    """
                    INSERT INTO auth_user_profile (user_id, phone, timezone, country, department, line_manager, default_site_id, home_site_id)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                    ON CONFLICT (user_id) DO UPDATE SET phone = EXCLUDED.phone, timezone = EXCLUDED.timezone,
                        country = EXCLUDED.country, department = EXCLUDED.department, line_manager = EXCLUDED.line_manager,
                        default_site_id = EXCLUDED.default_site_id, home_site_id = EXCLUDED.home_site_id
                    """,
                    [
                        .int64(id), profile.phone.map { .string($0) }, profile.timezone.map { .string($0) },
                        profile.country.map { .string($0) }, profile.department.map { .string($0) },
                        profile.lineManager.map { .string($0) }, profile.defaultSite.map { .int64($0) },
                        profile.homeSite.map { .int64($0) },
                    ])
            } else {
                errors["profile"] = .nested(siteErrors)
            }
        }
        switch changes.nasUser {
        case .absent: break
        case .null: try conn.execute("DELETE FROM auth_nas_user WHERE user_id = $1", [.int64(id)])
        case .value(let input):
            let existing = current?.nasUser
            guard let primaryGroup = input.primaryGroup ?? existing?.primaryGroup else {
                errors["nas_user"] = .nested(["primary_group": ["This field is required."]])
                break
            }
            // The primary group of a NAS user must be a NAS group (it has a gid on the sites).
            let isNASGroup = try conn.query(
                "SELECT 1 FROM auth_group WHERE name = $1 AND nas_gid IS NOT NULL", [.string(primaryGroup)]).isEmpty == false
            guard isNASGroup else {
                errors["nas_user"] = .nested(["primary_group": ["Object with name=\(primaryGroup) does not exist or is not a NAS group."]])
                break
            }
            try conn.execute(
                """
                INSERT INTO auth_nas_user (user_id, uid, primary_group, allow_ssh) VALUES ($1, nextval('nas_uid_seq'), $2, $3)
                ON CONFLICT (user_id) DO UPDATE SET primary_group = EXCLUDED.primary_group, allow_ssh = EXCLUDED.allow_ssh
                """, [.int64(id), .string(primaryGroup), .bool(input.allowSSH ?? existing?.allowSSH ?? false)])
        }
        if !errors.isEmpty { throw APIError(fieldErrors: errors) }
    }

    /// Activates or deactivates; nil when there is no such user.
    func setActive(username: String, _ active: Bool) async throws -> UserRecord? {
        let id = try await pool.transaction { conn -> Int64? in
            let rows = try conn.query(
                "UPDATE auth_user SET is_active = $2 WHERE username = $1 RETURNING id", [.string(username), .bool(active)])
            guard let id = try rows.first?.decode(Int64.self, "id") else { return nil }
            try AdministratorGuard.check(conn)
            return id
        }
        guard let id else { return nil }
        return try await find(id: id)
    }

    /// Deletes; false when there is no such user. Their client keys go with them.
    func delete(username: String) async throws -> Bool {
        try await pool.transaction { conn -> Bool in
            let deleted = try conn.execute("DELETE FROM auth_user WHERE username = $1", [.string(username)])
            if deleted > 0 { try AdministratorGuard.check(conn) }
            return deleted > 0
        }
    }
}

/// The hub must keep an active administrator (AMB-13): a change that would remove the last one (delete,
/// deactivate, leaving the Administrators group) is refused with 400 and rolled back.
enum AdministratorGuard {
    static func check(_ conn: PostgresConnection) throws {
        let rows = try conn.query(
            """
            SELECT count(*) AS n FROM auth_user u WHERE u.is_active AND (u.is_superuser OR EXISTS (
                SELECT 1 FROM auth_user_groups ug WHERE ug.user_id = u.id AND ug.group_id = $1))
            """, [.int64(Identity.administratorsGroupID)])
        if try rows.first?.decode(Int.self, "n") ?? 0 == 0 {
            throw APIError.badRequest("At least one active administrator must remain.")
        }
    }
}
