import Postgres

/// Groups in PostgreSQL. The default groups (1 Administrators, 2 Users) can be changed but not deleted
/// or renamed (AMB-13; the manual's UI disables their Delete button).
struct GroupStore: Sendable {
    let pool: PostgresPool
    static let administratorsName = "Administrators"

    static let select = """
        SELECT g.id, g.name, g.description, g.nas_gid,
            COALESCE((SELECT json_agg(json_build_object(
                    'username', u.username, 'first_name', u.first_name, 'last_name', u.last_name, 'email', u.email,
                    'date_joined', to_char(u.date_joined AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                    'last_login', to_char(u.last_login AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ORDER BY ug.id)
                FROM auth_user_groups ug JOIN auth_user u ON u.id = ug.user_id WHERE ug.group_id = g.id), '[]'::json) AS users,
            ARRAY(SELECT gp.permission_id FROM auth_group_permissions gp WHERE gp.group_id = g.id ORDER BY gp.id) AS permissions,
            COALESCE((SELECT json_agg(json_build_object('model', p.model, 'object_pk', o.object_pk, 'permission', o.permission_id)
                    ORDER BY o.id)
                FROM auth_group_object_permissions o JOIN auth_permission p ON p.id = o.permission_id WHERE o.group_id = g.id),
                '[]'::json) AS object_permissions
        FROM auth_group g
        """

    static func decode(_ row: PostgresRow) throws -> GroupRecord {
        GroupRecord(
            id: try row.decode(Int64.self, "id"), name: try row.decode(String.self, "name"),
            description: try row.decode(String?.self, "description"), nasGID: try row.decode(Int?.self, "nas_gid"),
            users: try row.decodeJSON([GroupRecord.UserSummary].self, "users"),
            permissionIDs: try row.decode([Int].self, "permissions"),
            objectPermissions: try row.decodeJSON([GroupRecord.ObjectPermission].self, "object_permissions"))
    }

    func count() async throws -> Int {
        try await pool.query("SELECT count(*) AS n FROM auth_group", []).first?.decode(Int.self, "n") ?? 0
    }

    func list(limit: Int?, offset: Int) async throws -> [GroupRecord] {
        try await pool.query(Self.select + " ORDER BY g.id LIMIT $1 OFFSET $2", [limit.map { .int($0) }, .int(offset)]).map(Self.decode)
    }

    func find(id: Int64) async throws -> GroupRecord? {
        try await pool.query(Self.select + " WHERE g.id = $1", [.int64(id)]).first.map(Self.decode)
    }

    func create(_ input: GroupInput) async throws -> GroupRecord {
        do {
            return try await insert(input)
        } catch let error as PostgresError where error.isUniqueViolation && error.constraint == "auth_group_name_key" {
            throw APIError.invalid("name", "group with this name already exists.")
        }
    }

    private func insert(_ input: GroupInput) async throws -> GroupRecord {
        let id = try await pool.transaction { conn -> Int64 in
            guard let name = input.name else { throw APIError.invalid("name", "This field is required.") }
            try Self.checkNameFree(name, except: nil, conn: conn)
            let id = try conn.query(
                "INSERT INTO auth_group (name, description) VALUES ($1, $2) RETURNING id",
                [.string(name), input.description.applied(to: nil).map { .string($0) }]
            ).first?.decode(Int64.self, "id") ?? 0
            try Self.apply(input, to: id, conn: conn)
            return id
        }
        guard let group = try await find(id: id) else { throw APIError.notFound("Group") }
        return group
    }

    func update(id: Int64, _ input: GroupInput) async throws -> GroupRecord {
        try await pool.transaction { conn in
            guard let row = try conn.query("SELECT name FROM auth_group WHERE id = $1 FOR UPDATE", [.int64(id)]).first else {
                throw APIError.notFound("Group")
            }
            let current = try row.decode(String.self, "name")
            if let name = input.name, name != current {
                if id == Identity.administratorsGroupID || id == Identity.usersGroupID {
                    throw APIError.invalid("name", "The default groups cannot be renamed.")
                }
                try Self.checkNameFree(name, except: id, conn: conn)
                try conn.execute("UPDATE auth_group SET name = $2 WHERE id = $1", [.int64(id), .string(name)])
            }
            if !input.description.isAbsent {
                try conn.execute(
                    "UPDATE auth_group SET description = $2 WHERE id = $1",
                    [.int64(id), input.description.applied(to: nil).map { .string($0) }])
            }
            try Self.apply(input, to: id, conn: conn)
            try AdministratorGuard.check(conn)
        }
        guard let group = try await find(id: id) else { throw APIError.notFound("Group") }
        return group
    }

    /// Deletes a custom group; false when there is none with this id.
    func delete(id: Int64) async throws -> Bool {
        if id == Identity.administratorsGroupID || id == Identity.usersGroupID {
            throw APIError.badRequest("The default groups cannot be deleted.")
        }
        return try await pool.execute("DELETE FROM auth_group WHERE id = $1", [.int64(id)]) > 0
    }

    private static func checkNameFree(_ name: String, except id: Int64?, conn: PostgresConnection) throws {
        let taken = try conn.query(
            "SELECT 1 FROM auth_group WHERE name = $1 AND id IS DISTINCT FROM $2", [.string(name), id.map { .int64($0) }])
        if !taken.isEmpty { throw APIError.invalid("name", "group with this name already exists.") }
    }

    /// Members, permissions, object permissions and NAS flag: each given list replaces the stored one.
    private static func apply(_ input: GroupInput, to id: Int64, conn: PostgresConnection) throws {
        var errors: [String: [String]] = [:]
        if let usernames = input.users {
            var userIDs: [Int64] = []
            for username in usernames {
                if let uid = try conn.query("SELECT id FROM auth_user WHERE username = $1", [.string(username)]).first?.decode(Int64.self, "id") {
                    if !userIDs.contains(uid) { userIDs.append(uid) }
                } else {
                    errors["users", default: []].append("Object with username=\(username) does not exist.")
                }
            }
            if errors["users"] == nil {
                try conn.execute("DELETE FROM auth_user_groups WHERE group_id = $1 AND NOT (user_id = ANY($2))", [.int64(id), .array(userIDs)])
                for uid in userIDs {
                    try conn.execute(
                        "INSERT INTO auth_user_groups (user_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [.int64(uid), .int64(id)])
                }
            }
        }
        let known: [Int: String] = try Dictionary(
            uniqueKeysWithValues: conn.query("SELECT id, model FROM auth_permission", []).map {
                (try $0.decode(Int.self, "id"), try $0.decode(String.self, "model"))
            })
        if let permissions = input.permissions {
            let unknown = permissions.filter { known[$0] == nil }
            if unknown.isEmpty {
                var unique: [Int] = []
                for permission in permissions where !unique.contains(permission) { unique.append(permission) }
                try conn.execute(
                    "DELETE FROM auth_group_permissions WHERE group_id = $1 AND NOT (permission_id = ANY($2))", [.int64(id), .array(unique)])
                for permission in unique {
                    try conn.execute(
                        "INSERT INTO auth_group_permissions (group_id, permission_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                        [.int64(id), .int(permission)])
                }
            } else {
                errors["permissions"] = unknown.map { "Invalid pk \"\($0)\" - object does not exist." }
            }
        }
        if let objectPermissions = input.objectPermissions {
            var problems: [String] = []
            for entry in objectPermissions {
                guard let model = known[entry.permission] else {
                    problems.append("Invalid pk \"\(entry.permission)\" - object does not exist.")
                    continue
                }
                if model != entry.model { problems.append("Permission \(entry.permission) is not a permission on model \"\(entry.model)\".") }
            }
            if problems.isEmpty {
                try conn.execute("DELETE FROM auth_group_object_permissions WHERE group_id = $1", [.int64(id)])
                for entry in objectPermissions {
                    try conn.execute(
                        """
                        INSERT INTO auth_group_object_permissions (group_id, permission_id, object_pk) VALUES ($1, $2, $3)
                        ON CONFLICT DO NOTHING
                        """, [.int64(id), .int(entry.permission), .string(entry.object_pk)])
                }
            } else {
                errors["object_permissions"] = problems
            }
        }
        if let nasGroup = input.nasGroup {
            // The gid is allocated once and never changes while the group stays a NAS group (xref L14016);
            // turning NAS off releases it.
            try conn.execute(
                nasGroup
                    ? "UPDATE auth_group SET nas_gid = COALESCE(nas_gid, nextval('nas_gid_seq')::integer) WHERE id = $1"
                    : "UPDATE auth_group SET nas_gid = NULL WHERE id = $1", [.int64(id)])
        }
        if !errors.isEmpty { throw APIError(fields: errors) }
    }
}
