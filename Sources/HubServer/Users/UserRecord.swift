import Foundation

/// A user as the API shows it.
struct UserRecord: Sendable, Equatable {
    var id: Int64
    var username: String
    var firstName: String
    var lastName: String
    var email: String
    var isActive: Bool
    var isSuperuser: Bool
    var isStaff: Bool
    var lastLogin: Date?
    var dateJoined: Date
    /// In the order they were given.
    var groups: [GroupRef]
    var profile: UserProfile?
    var nasUser: NASUser?
    var userPermissionIDs: [Int]

    var isAdministrator: Bool { isSuperuser || groups.contains { $0.id == Identity.administratorsGroupID } }
}

struct GroupRef: Sendable, Equatable, Decodable {
    var id: Int64
    var name: String
}

/// The optional extended profile (manual L19541-19549).
struct UserProfile: Sendable, Equatable {
    var phone: String?
    var timezone: String?
    var country: String?
    var department: String?
    var lineManager: String?
    var defaultSite: Int64?
    var homeSite: Int64?

    var json: JSON {
        [
            "phone": JSON(phone), "timezone": JSON(timezone), "country": JSON(country),
            "department": JSON(department), "line_manager": JSON(lineManager), "default_site": JSON(defaultSite),
            "home_site": JSON(homeSite),
        ]
    }
}

/// A NAS-enabled user's settings (xref L17037-17039): the uid is allocated by the hub and never changes.
struct NASUser: Sendable, Equatable {
    var uid: Int
    var primaryGroup: String
    var allowSSH: Bool

    var json: JSON { ["uid": JSON(uid), "primary_group": .string(primaryGroup), "allow_ssh": .bool(allowSSH)] }
}

/// How users appear in the API.
extension UserRecord {
    static func url(base: String, username: String) -> String {
        "\(base)/api/users/\(username.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? username)/"
    }

    /// The read form (GET, activate, deactivate): groups as `{id, url, name}` (manual L19433-19488).
    func json(base: String) -> JSON {
        [
            "id": .int(id), "url": .string(Self.url(base: base, username: username)), "username": .string(username),
            "first_name": .string(firstName), "last_name": .string(lastName), "email": .string(email),
            "is_active": .bool(isActive), "last_login": JSON(lastLogin), "date_joined": JSON(dateJoined),
            "groups": .array(groups.map { ["id": .int($0.id), "url": .string("\(base)/api/groups/\($0.id)/"), "name": .string($0.name)] }),
            "profile": profile?.json ?? .null, "nas_user": nasUser?.json ?? .null,
        ]
    }

    /// The write form POST and PATCH echo (manual L19586-19609, L19799-19829): groups as names. The
    /// password is write-only; on create the manual's mask stands in for it (AMB-11). `id`, `url` and
    /// `username` are additions, so that a client can find what it made.
    func writeJSON(base: String, created: Bool) -> JSON {
        var members: [JSON.Member] = [
            .init(key: "id", value: .int(id)), .init(key: "url", value: .string(Self.url(base: base, username: username))),
            .init(key: "username", value: .string(username)),
        ]
        if created { members.append(.init(key: "password", value: "*****")) }
        members += [
            .init(key: "first_name", value: .string(firstName)), .init(key: "last_name", value: .string(lastName)),
            .init(key: "email", value: .string(email)), .init(key: "groups", value: .array(groups.map { .string($0.name) })),
            .init(key: "profile", value: profile?.json ?? .null), .init(key: "nas_user", value: nasUser?.json ?? .null),
        ]
        return .object(members)
    }

    /// What `/api/auth/token/verify/` returns (manual L19347-19365): groups as ids, never the password.
    var verifyJSON: JSON {
        [
            "id": .int(id), "username": .string(username), "first_name": .string(firstName),
            "last_name": .string(lastName), "email": .string(email), "is_active": .bool(isActive),
            "is_superuser": .bool(isSuperuser), "is_staff": .bool(isStaff), "last_login": JSON(lastLogin),
            "date_joined": JSON(dateJoined), "groups": .array(groups.map { .int($0.id) }),
            "user_permissions": .array(userPermissionIDs.map { .int(Int64($0)) }),
        ]
    }
}
