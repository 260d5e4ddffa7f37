import Foundation

/// JSON text for a json/jsonb column or parameter (binds as jsonb).
public struct PostgresJSON: Sendable, Hashable, PostgresEncodable, PostgresDecodable {
    /// The JSON document's text.
    public var text: String

    /// Wraps JSON text (validated by the server when sent).
    public init(text: String) { self.text = text }

    /// Encodes a value with `JSONEncoder`.
    /// - Throws: the encoder's error.
    public init(encoding value: some Encodable, encoder: JSONEncoder = JSONEncoder()) throws {
        text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes the document with `JSONDecoder`.
    /// - Throws: the decoder's error.
    public func decode<T: Decodable>(_ type: T.Type, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        try decoder.decode(T.self, from: Data(text.utf8))
    }

    public var postgresBind: PostgresBind { PostgresBind(text: text, type: .jsonb) }

    public static func decode(from cell: PostgresCell) throws -> PostgresJSON {
        let bytes = try cell.requireBytes(for: PostgresJSON.self)
        try cell.requireType([.json, .jsonb, .text, .varchar], for: PostgresJSON.self)
        return PostgresJSON(text: String(decoding: bytes, as: UTF8.self))
    }
}
