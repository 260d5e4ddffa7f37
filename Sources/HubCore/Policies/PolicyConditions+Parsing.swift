import Shared

extension PolicyConditionGroup {
    static func parse(_ object: [String: JSONValue], path: String, errors: inout ValidationErrors) -> PolicyConditionGroup? {
        let fields = PolicyFieldReader(object, path: path)
        let before = errors.count
        let name = fields.reader.string("name", required: true, errors: &errors)
        for key in object.keys.sorted() where key.hasSuffix("_conditions") && !conditionKeys.contains(key) {
            errors.add(
                fields.key(key),
                "Unknown condition type '\(key)'. Valid condition types are \(conditionKeys.joined(separator: ", ")).")
        }
        let dates = (fields.objectList("date_conditions", errors: &errors) ?? []).compactMap {
            DateCondition.parse($0.object, path: $0.path, errors: &errors)
        }
        let sizes = (fields.objectList("filesize_conditions", errors: &errors) ?? []).compactMap {
            FilesizeCondition.parse($0.object, path: $0.path, errors: &errors)
        }
        let types = (fields.objectList("filetype_conditions", errors: &errors) ?? []).compactMap {
            FiletypeCondition.parse($0.object, path: $0.path, errors: &errors)
        }
        guard let name, errors.count == before else { return nil }
        let group = PolicyConditionGroup(name: name, dateConditions: dates, filesizeConditions: sizes, filetypeConditions: types)
        // An empty group would select every file, silently widening the policy to its whole scope.
        if group.isEmpty {
            errors.add(path, "A condition group needs at least one date, filesize or filetype condition.")
            return nil
        }
        return group
    }
}

extension DateCondition {
    static func parse(_ object: [String: JSONValue], path: String, errors: inout ValidationErrors) -> DateCondition? {
        let reader = ObjectReader(object, path: path)
        let before = errors.count
        var field = Field.accessTime
        if let given = reader.string("date_field", required: false, errors: &errors) {
            let key = given.lowercased()
            if let known = Field(rawValue: key) ?? Field.aliases[key] {
                field = known
            } else {
                errors.add(reader.key("date_field"), PolicyMessage.choice(given, Field.allCases.map(\.rawValue)))
            }
        }
        var direction = Direction.older
        if let given = reader.string("older_or_newer", required: false, errors: &errors) {
            if let known = Direction(rawValue: given.lowercased()) {
                direction = known
            } else {
                errors.add(reader.key("older_or_newer"), PolicyMessage.choice(given, Direction.allCases.map(\.rawValue)))
            }
        }
        var age: PolicyAge?
        if case .int(let days)? = object["age"] {
            age = days >= 0 && days < 1_000_000_000 ? PolicyAge(amount: Int(days), unit: .days, text: String(days)) : nil
            if age == nil { errors.add(reader.key("age"), "Enter a whole number of days, hours, weeks, months or years, e.g. \"365\" or \"12 hours\".") }
        } else if let text = reader.string("age", required: true, errors: &errors) {
            age = PolicyAge.parse(text)
            if age == nil { errors.add(reader.key("age"), "Enter a whole number of days, hours, weeks, months or years, e.g. \"365\" or \"12 hours\".") }
        }
        let include = reader.bool("include", fallback: true, errors: &errors)
        guard let age, errors.count == before else { return nil }
        return DateCondition(field: field, direction: direction, age: age, include: include)
    }
}

extension FilesizeCondition {
    static func parse(_ object: [String: JSONValue], path: String, errors: inout ValidationErrors) -> FilesizeCondition? {
        let fields = PolicyFieldReader(object, path: path)
        let before = errors.count
        var comparison: Comparison?
        if let given = fields.reader.string("greater_or_less", required: true, errors: &errors) {
            let key = given.lowercased()
            comparison = Comparison(rawValue: key) ?? Comparison.aliases[key]
            if comparison == nil {
                errors.add(fields.key("greater_or_less"), PolicyMessage.choice(given, Comparison.allCases.map(\.rawValue)))
            }
        }
        let size = fields.int("size", required: true, range: 0...Int.max, errors: &errors)
        let include = fields.reader.bool("include", fallback: true, errors: &errors)
        guard let comparison, let size, errors.count == before else { return nil }
        return FilesizeCondition(comparison: comparison, size: Int64(size), include: include)
    }
}

extension FiletypeCondition {
    static func parse(_ object: [String: JSONValue], path: String, errors: inout ValidationErrors) -> FiletypeCondition? {
        let reader = ObjectReader(object, path: path)
        let before = errors.count
        guard object["filetypes"] != nil, object["filetypes"] != .null else {
            errors.add(reader.key("filetypes"), object["filetypes"] == nil ? Message.required : Message.null)
            return nil
        }
        let types = reader.stringList("filetypes", errors: &errors) ?? []
        if errors.count == before && types.isEmpty { errors.add(reader.key("filetypes"), Message.emptyList) }
        for (index, entry) in types.enumerated() {
            let key = "\(reader.key("filetypes"))[\(index)]"
            if entry.policyTrimmed.isEmpty {
                errors.add(key, Message.blank)
            } else if entry.contains("/") {
                errors.add(key, "A filetype matches file names, so it may not contain '/'.")
            } else if entry.contains("[") || entry.contains("]") {
                errors.add(key, "Character classes ([...]) are not supported; use * and ?.")
            }
        }
        let include = reader.bool("include", fallback: true, errors: &errors)
        guard errors.count == before else { return nil }
        return FiletypeCondition(filetypes: types.map(\.policyTrimmed), include: include)
    }
}
