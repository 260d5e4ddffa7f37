/// A health level as the API reports it (`"ok"` etc., manual L18680-18715). Ordered: worse is greater.
public enum Health: String, Sendable, Codable, Comparable, CaseIterable {
    case ok
    case warning
    case critical

    public static func < (lhs: Health, rhs: Health) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}
