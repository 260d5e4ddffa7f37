import Foundation

/// A user's fields as POST or PATCH sends them, read and checked for shape (types, lengths, formats).
/// Rules that need the database (group names, site ids) or the merged user (the password policy) are
/// checked by `UserStore` and `UsersController`.
struct UserInput: Sendable {
    var username: String?
    var password: String?
    var firstName: String?
    var lastName: String?
    var email: String?
    /// Group names (manual L19535).
    var groups: [String]?
    var profile: Field<ProfileInput> = .absent
    var nasUser: Field<NASUserInput> = .absent

    static let maximumNameLength = 150

    /// Reads the body; errors are left in `reader` for the caller to add to and throw.
    static func read(_ reader: inout FieldReader, creating: Bool) -> UserInput {
        var input = UserInput()
        if creating {
            if let username = reader.string("username", required: true, allowBlank: false, maxLength: maximumNameLength) {
                if isValidUsername(username) {
                    input.username = username
                } else {
                    reader.fail(
                        "username", "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.")
                }
            }
        }
        input.password = reader.secret("password", required: creating)
        input.firstName = reader.string("first_name", maxLength: maximumNameLength)
        input.lastName = reader.string("last_name", maxLength: maximumNameLength)
        if let email = reader.string("email", maxLength: 254) {
            if email.isEmpty || isValidEmail(email) {
                input.email = email
            } else {
                reader.fail("email", "Enter a valid email address.")
            }
        }
        // Optional (AMB-10): without it the user is in no group.
        input.groups = reader.stringList("groups")
        if reader.has("profile") {
            if reader.isNull("profile") {
                input.profile = .null
            } else if var nested = reader.object("profile") {
                let profile = ProfileInput.read(&nested)
                if nested.errors.isEmpty { input.profile = .value(profile) } else { reader.fail("profile", nested: nested.flatErrors) }
            }
        }
        if reader.has("nas_user") {
            if reader.isNull("nas_user") {
                input.nasUser = .null
            } else if var nested = reader.object("nas_user") {
                let nas = NASUserInput(
                    primaryGroup: nested.string("primary_group", allowBlank: false, maxLength: maximumNameLength),
                    allowSSH: nested.bool("allow_ssh"))
                if nested.errors.isEmpty { input.nasUser = .value(nas) } else { reader.fail("nas_user", nested: nested.flatErrors) }
            }
        }
        return input
    }

    /// Django's username rule: letters, digits and `@ . + - _` (Unicode letters and digits included).
    static func isValidUsername(_ text: String) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy { scalar in
                scalar.properties.isAlphabetic || scalar.properties.numericType != nil || "_.@+-".unicodeScalars.contains(scalar)
            }
    }

    /// A pragmatic check (one `@`, a local part, a dotted domain or `localhost`, no spaces).
    static func isValidEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !text.contains(where: \.isWhitespace) else { return false }
        let domain = parts[1]
        if domain == "localhost" { return true }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }
    }
}

/// Profile sub-fields; each may be absent (unchanged), null or a value.
struct ProfileInput: Sendable, Equatable {
    var phone: Field<String> = .absent
    var timezone: Field<String> = .absent
    var country: Field<String> = .absent
    var department: Field<String> = .absent
    var lineManager: Field<String> = .absent
    var defaultSite: Field<Int> = .absent
    var homeSite: Field<Int> = .absent

    static func read(_ reader: inout FieldReader) -> ProfileInput {
        ProfileInput(
            phone: reader.nullableString("phone", maxLength: 150), timezone: reader.nullableString("timezone", maxLength: 150),
            country: reader.nullableString("country", maxLength: 150),
            department: reader.nullableString("department", maxLength: 150),
            lineManager: reader.nullableString("line_manager", maxLength: 150),
            defaultSite: reader.nullableInt("default_site"), homeSite: reader.nullableInt("home_site"))
    }

    /// The profile after this change (a PATCH changes only the sub-fields it sends).
    func applied(to current: UserProfile?) -> UserProfile {
        let base = current ?? UserProfile()
        return UserProfile(
            phone: phone.applied(to: base.phone), timezone: timezone.applied(to: base.timezone),
            country: country.applied(to: base.country), department: department.applied(to: base.department),
            lineManager: lineManager.applied(to: base.lineManager),
            defaultSite: defaultSite.applied(to: base.defaultSite.map { Int($0) }).map(Int64.init),
            homeSite: homeSite.applied(to: base.homeSite.map { Int($0) }).map(Int64.init))
    }
}

struct NASUserInput: Sendable, Equatable {
    var primaryGroup: String?
    var allowSSH: Bool?
}

extension FieldReader {
    /// The errors as field -> messages (for nesting under a parent field).
    var flatErrors: [String: [String]] {
        errors.mapValues { body in
            switch body {
            case .message(let text): [text]
            case .messages(let list): list
            case .nested(let map): map.flatMap { key, messages in messages.map { "\(key): \($0)" } }
            }
        }
    }
}
