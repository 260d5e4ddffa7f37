import Shared

/// A group as the API shows it (manual L20222-20671).
struct GroupRecord: Sendable, Equatable {
    var id: Int64
    var name: String
    var description: String?
    /// The NAS group's gid when the group is also a NAS group.
    var nasGID: Int?
    /// Members in the order they were added.
    var users: [UserSummary]
    var permissionIDs: [Int]
    var objectPermissions: [ObjectPermission]

    /// A member as groups list them: no id or url (manual L20260-20275).
    struct UserSummary: Sendable, Equatable, Decodable {
        var username: String
        var first_name: String
        var last_name: String
        var email: String
        /// Already in the API's timestamp form (formatted by PostgreSQL).
        var date_joined: String
        var last_login: String?
    }

    /// `{model, object_pk, permission}` (xref L14017-14019).
    struct ObjectPermission: Sendable, Equatable, Decodable {
        var model: String
        var object_pk: String
        var permission: Int
    }

    var isDefault: Bool { id == Identity.administratorsGroupID || id == Identity.usersGroupID }

    private var common: (permissions: JSON, objectPermissions: JSON, nasGroup: JSON) {
        (
            .array(permissionIDs.map { .int(Int64($0)) }),
            .array(objectPermissions.map { ["model": .string($0.model), "object_pk": .string($0.object_pk), "permission": .int(Int64($0.permission))] }),
            nasGID.map { ["gid": JSON($0)] } ?? .null
        )
    }

    /// The read form: members as user summaries.
    var json: JSON {
        let (permissions, objectPermissions, nasGroup) = common
        return [
            "id": .int(id), "name": .string(name),
            "users": .array(users.map {
                [
                    "username": .string($0.username), "first_name": .string($0.first_name), "last_name": .string($0.last_name),
                    "email": .string($0.email), "date_joined": .string($0.date_joined), "last_login": JSON($0.last_login),
                ]
            }),
            "description": JSON(description), "permissions": permissions, "object_permissions": objectPermissions,
            "nas_group": nasGroup,
        ]
    }

    /// The write form POST and PATCH echo: members as usernames (manual L20424-20441).
    var writeJSON: JSON {
        let (permissions, objectPermissions, nasGroup) = common
        return [
            "id": .int(id), "name": .string(name), "users": .array(users.map { .string($0.username) }),
            "description": JSON(description), "permissions": permissions, "object_permissions": objectPermissions,
            "nas_group": nasGroup,
        ]
    }
}

/// A group's fields as POST or PATCH sends them.
struct GroupInput: Sendable {
    var name: String?
    var description: Field<String> = .absent
    var users: [String]?
    var permissions: [Int]?
    var objectPermissions: [GroupRecord.ObjectPermission]?
    var nasGroup: Bool?

    static func read(_ reader: inout FieldReader, creating: Bool) -> GroupInput {
        var input = GroupInput()
        input.name = reader.string("name", required: creating, allowBlank: false, maxLength: 150)
        input.description = reader.nullableString("description", maxLength: 2000)
        // Optional, default empty (AMB-14).
        input.users = reader.stringList("users")
        input.permissions = reader.intList("permissions")
        input.objectPermissions = reader.list("object_permissions") { (item: JSONValue) -> Result<GroupRecord.ObjectPermission, ListItemError> in
            guard case .object(let members) = item else {
                return .failure(ListItemError("Expected a dictionary of items but got type \"\(FieldReader.pythonType(item))\"."))
            }
            var nested = FieldReader(object: members)
            let model = nested.string("model", required: true, allowBlank: false, maxLength: 100)
            // object_pk is a string in the schema; an integer id is accepted and kept as its text.
            var objectPK = nested.has("object_pk") ? members["object_pk"]?.intValue.map(String.init) : nil
            if objectPK == nil { objectPK = nested.string("object_pk", required: true, allowBlank: false, maxLength: 255) }
            let permission = nested.int("permission", required: true)
            guard nested.errors.isEmpty, let model, let objectPK, let permission else {
                let text = nested.flatErrors.sorted { $0.key < $1.key }.flatMap { key, messages in messages.map { "\(key): \($0)" } }
                return .failure(ListItemError(text.joined(separator: " ")))
            }
            return .success(GroupRecord.ObjectPermission(model: model, object_pk: objectPK, permission: permission))
        }
        input.nasGroup = reader.bool("nas_group")
        return input
    }
}
