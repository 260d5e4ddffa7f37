import Foundation

/// Types with a hand-written JSON form, identical to their `Codable` one, used by `WireCoding` for the
/// messages that flow per task and per file. The `Codable` conformance stays the definition: the
/// fast reader gives up on anything unusual and `WireCoding` decodes those bytes with `JSONDecoder`,
/// and the equivalence tests hold both forms to the same bytes and values.
public protocol FastJSONDecodable {
    init(json reader: inout JSONReader) throws
}

public protocol FastJSONEncodable {
    func write(json writer: inout JSONWriter) throws
}

public typealias FastJSONCodable = FastJSONDecodable & FastJSONEncodable

extension Array: FastJSONDecodable where Element: FastJSONDecodable {
    public init(json reader: inout JSONReader) throws {
        self = []
        try reader.beginArray()
        var first = true
        while try reader.nextElement(&first) { append(try Element(json: &reader)) }
    }
}

extension Array: FastJSONEncodable where Element: FastJSONEncodable {
    public func write(json writer: inout JSONWriter) throws {
        writer.beginArray()
        for element in self { try element.write(json: &writer) }
        writer.endArray()
    }
}

extension JSONValue: FastJSONCodable {
    public init(json reader: inout JSONReader) throws {
        self = try reader.readJSONValue()
    }

    public func write(json writer: inout JSONWriter) throws {
        switch self {
        case .null: writer.null()
        case .bool(let value): writer.bool(value)
        case .int(let value): writer.int(value)
        case .string(let value): writer.string(value)
        case .double: try writer.encoded(self)
        case .array(let list): try list.write(json: &writer)
        case .object(let object):
            try writer.object(object) { writer, value in try value.write(json: &writer) }
        }
    }
}

extension JSONWriter {
    /// A dictionary with its keys in the encoder's order (UTF-8 byte order; a non-ASCII key sends the
    /// whole dictionary through the encoder, whose order for those is not worth copying).
    mutating func object<Value: Encodable>(
        _ object: [String: Value], value write: (inout JSONWriter, Value) throws -> Void
    ) throws {
        guard object.keys.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) else {
            try encoded(object)
            return
        }
        beginObject()
        for (key, value) in object.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            self.key(key)
            try write(&self, value)
        }
        endObject()
    }
}

/// Reading helpers shared by the message conformances.
extension JSONReader {
    /// A list of strings, or one string read as a one-item list (the manual's `message` is either).
    mutating func readMessages() throws -> [String]? {
        if readNull() { return nil }
        var probe = self
        if let single = try? probe.readString() {
            self = probe
            return [single]
        }
        return try readStrings()
    }

    mutating func readStrings() throws -> [String] {
        var list: [String] = []
        try beginArray()
        var first = true
        while try nextElement(&first) { list.append(try readString()) }
        return list
    }

    /// A date in any of the forms `WireCoding.parseDate` accepts.
    mutating func readDate() throws -> Date {
        let text = try readString()
        guard let date = WireCoding.parseDate(text) else { throw Failure("'\(text)' is not an ISO 8601 date-time") }
        return date
    }

    /// A value decoded with `Codable` (parts that are rare or not worth a hand-written form).
    mutating func decoded<T: Decodable>(_ type: T.Type) throws -> T {
        try WireCoding.decoder().decode(type, from: Data(try rawValue()))
    }

    /// A required field that never came.
    static func missing(_ key: String) -> Failure { Failure("missing '\(key)'") }
}
