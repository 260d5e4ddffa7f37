import Shared

/// What is wrong with a policy body or with a policy against its site, as Django REST Framework reports
/// it: field path -> messages (`triggers[0].lower_threshold`, `condition_groups[1].date_conditions[0].age`),
/// so the HTTP layer can return it as a 400 body unchanged.
public struct PolicyValidationError: FieldValidationError {
    public var fields: [String: [String]]

    public init(_ fields: [String: [String]]) {
        self.fields = fields
    }
}

extension ValidationErrors {
    func checkPolicy() throws(PolicyValidationError) {
        if !isEmpty { throw PolicyValidationError(fields) }
    }
}
