import Foundation
import HubCore
import Shared
import Testing

/// Parses a JSON object literal written in a test, failing the test when it is not one.
func jsonObject(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: JSONValue] {
    let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    return try #require(value.objectValue, "not a JSON object", sourceLocation: sourceLocation)
}

/// The validation error `body` gives, or nil when it parses.
func definitionError(_ body: [String: JSONValue]) -> WorkflowValidationError? {
    do {
        _ = try WorkflowDefinition.parse(body)
        return nil
    } catch {
        return error
    }
}

/// A minimal valid definition body with `rules` and `fields`, for tests that vary one part.
func definitionBody(rules: JSONValue, fields: JSONValue = [], extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
    var body: [String: JSONValue] = ["name": "test_flow", "label": "Test flow", "filter_rules": rules, "fields": fields]
    for (key, value) in extra { body[key] = value }
    return body
}
