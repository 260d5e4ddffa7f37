/// What is wrong with a schedule, as Django REST Framework reports it: field -> messages, so the hub
/// can return it as a 400 body unchanged (`{"hour": ["25 is out of range 0-23."]}`).
///
/// Keys are the API's field names: `minute`, `hour`, `day_of_week`, `day_of_month`, `month_of_year`,
/// `timezone`, and for the UI forms `interval` and `time`. Parsing collects every problem before
/// failing, so a client sees all of them in one response.
public struct ScheduleValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var fields: [String: [String]]

    public init(_ fields: [String: [String]]) {
        self.fields = fields
    }

    public init(field: String, message: String) {
        self.fields = [field: [message]]
    }

    /// The messages for one field (empty when the field is fine).
    public func messages(for field: String) -> [String] {
        fields[field, default: []]
    }

    /// Adds the messages of `other`, keeping each message once per field.
    public mutating func merge(_ other: ScheduleValidationError) {
        for (key, messages) in other.fields {
            for message in messages where !fields[key, default: []].contains(message) {
                fields[key, default: []].append(message)
            }
        }
    }

    public var description: String {
        fields.keys.sorted().map { key in "\(key): \(fields[key, default: []].joined(separator: " "))" }
            .joined(separator: "; ")
    }
}
