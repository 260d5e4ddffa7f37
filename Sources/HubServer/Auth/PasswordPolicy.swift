/// The manual's password rules (L19630-19636), applied when a password is created or changed: at least 8
/// characters, a digit, an uppercase letter, a special character, and not too similar to the username.
/// Messages are Django's validators' where Django has one.
enum PasswordPolicy {
    static let minimumLength = 8
    /// Django's `UserAttributeSimilarityValidator.DEFAULT_MAX_SIMILARITY`.
    static let maximumSimilarity = 0.7

    struct Attributes: Sendable {
        var username: String
        var firstName: String = ""
        var lastName: String = ""
        var email: String = ""
    }

    /// Every rule the password breaks, as messages (empty when it is acceptable).
    static func problems(_ password: String, for user: Attributes) -> [String] {
        var problems: [String] = []
        let scalars = password.unicodeScalars
        if scalars.count < minimumLength {
            problems.append("This password is too short. It must contain at least \(minimumLength) characters.")
        }
        // Django checks the user's attributes, not only the username (the manual names the username).
        for (value, name) in [
            (user.username, "username"), (user.firstName, "first name"), (user.lastName, "last name"),
            (user.email, "email address"),
        ] where isTooSimilar(password, to: value) {
            problems.append("The password is too similar to the \(name).")
            break
        }
        if !scalars.contains(where: { (0x30...0x39).contains($0.value) }) {
            problems.append("This password must contain at least 1 digit, 0-9.")
        }
        if !scalars.contains(where: { $0.properties.isUppercase }) {
            problems.append("This password must contain at least 1 uppercase letter, A-Z.")
        }
        if !scalars.contains(where: isSpecial) {
            problems.append("This password must contain at least 1 special character, e.g. !@#$%^&*.")
        }
        return problems
    }

    /// Anything that is not a letter, a digit or whitespace counts as special.
    static func isSpecial(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        return !properties.isAlphabetic && properties.numericType == nil && !properties.isWhitespace
            && !(scalar.value < 0x20)
    }

    /// Django's rule: the password, lowercased, against the attribute and each of its `\W+`-separated
    /// parts, by `SequenceMatcher.quick_ratio() >= 0.7`, skipping parts far shorter than the password.
    static func isTooSimilar(_ password: String, to attribute: String) -> Bool {
        guard !attribute.isEmpty else { return false }
        let lowered = Array(password.lowercased().unicodeScalars)
        let value = attribute.lowercased()
        var parts = value.unicodeScalars.split { !($0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_") }
            .map(Array.init)
        parts.append(Array(value.unicodeScalars))
        for part in parts {
            if exceedsMaximumLengthRatio(passwordLength: lowered.count, valueLength: part.count) { continue }
            if quickRatio(lowered, part) >= maximumSimilarity { return true }
        }
        return false
    }

    private static func exceedsMaximumLengthRatio(passwordLength: Int, valueLength: Int) -> Bool {
        let bound = maximumSimilarity / 2 * Double(passwordLength)
        return passwordLength >= 10 * valueLength && Double(valueLength) < bound
    }

    /// Python's `difflib.SequenceMatcher.quick_ratio`: 2 * (multiset intersection) / (total length).
    static func quickRatio(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Double {
        let total = a.count + b.count
        guard total > 0 else { return 1 }
        var counts: [Unicode.Scalar: Int] = [:]
        for scalar in b { counts[scalar, default: 0] += 1 }
        var matches = 0
        for scalar in a {
            if let available = counts[scalar], available > 0 {
                counts[scalar] = available - 1
                matches += 1
            }
        }
        return 2 * Double(matches) / Double(total)
    }
}
