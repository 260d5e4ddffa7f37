/// A validation failure as Django REST Framework reports it: field path -> messages, which the HTTP layer
/// returns as a 400 body unchanged. Workflow definitions, submissions and policies share this shape.
public protocol FieldValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    var fields: [String: [String]] { get }
    init(_ fields: [String: [String]])
}

extension FieldValidationError {
    public init(field: String, _ message: String) {
        self.init([field: [message]])
    }

    public var description: String {
        fields.keys.sorted().map { key in "\(key): \(fields[key, default: []].joined(separator: " "))" }
            .joined(separator: "; ")
    }
}
