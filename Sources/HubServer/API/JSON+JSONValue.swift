import Foundation
import Shared

extension JSON {
    /// Free JSON (a workflow definition, task kwargs, a summary) as API JSON; object keys sorted, since
    /// `JSONValue` objects carry no order.
    init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .int(value)
        case .double(let value): self = .double(value)
        case .string(let value): self = .string(value)
        case .array(let values): self = .array(values.map(JSON.init))
        case .object(let members):
            self = .object(members.keys.sorted().map { Member(key: $0, value: JSON(members[$0] ?? .null)) })
        }
    }

    /// This object with `members` put first (`url`, `id` lead every API object).
    func prepending(_ members: [(String, JSON)]) -> JSON {
        guard case .object(let existing) = self else { return self }
        let names = Set(members.map(\.0))
        return .object(members.map { Member(key: $0.0, value: $0.1) } + existing.filter { !names.contains($0.key) })
    }
}

extension QueryString {
    /// Every value of `key`, also split on commas (`state=SUCCESS,FAILURE` or `state=SUCCESS&state=FAILURE`).
    func list(_ key: String) -> [String] {
        pairs.filter { $0.key == key || $0.key == key + "[]" }
            .flatMap { $0.value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            .filter { !$0.isEmpty }
    }
}
