import Foundation

/// The one way hub and worker encode and decode wire messages.
///
/// Dates are ISO 8601 with fractional seconds and an offset (`2023-04-25T14:56:31.253Z`); decoding also
/// accepts no fractional seconds and the naive form of the manual's example (L9189: no offset), read as UTC.
public enum WireCoding {
    /// A new encoder for wire messages: compact, keys sorted (stable bytes for golden tests and logs).
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatDate(date))
        }
        return encoder
    }

    /// A new decoder for wire messages.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "'\(text)' is not an ISO 8601 date-time")
            }
            return date
        }
        return decoder
    }

    /// Encodes a message to bytes (by hand for the per-task messages: the same bytes, several times faster).
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        if let fast = value as? any FastJSONEncodable {
            var writer = JSONWriter()
            try fast.write(json: &writer)
            return writer.bytes
        }
        return Array(try encoder().encode(value))
    }

    /// Decodes a message from bytes. The per-task messages are read by hand; whatever that reader does not
    /// take (see `JSONReader`) is decoded by `JSONDecoder`, which also gives the error for bad input.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        if let fast = type as? any FastJSONDecodable.Type {
            var reader = JSONReader(bytes)
            if let value = try? fast.init(json: &reader) as? T, (try? reader.end()) != nil { return value }
        }
        return try decoder().decode(type, from: Data(bytes))
    }

    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()

    /// ISO 8601, UTC, with milliseconds (`WireDate`; Foundation's style outside its years).
    public static func formatDate(_ date: Date) -> String {
        WireDate.format(date) ?? withFraction.format(date)
    }

    /// Parses ISO 8601 with or without fractional seconds, with or without an offset (naive = UTC). The
    /// wire's own form is read by `WireDate`, the rest by Foundation.
    public static func parseDate(_ text: String) -> Date? {
        if let date = WireDate.parse(text) { return date }
        if let date = try? withFraction.parse(text) { return date }
        if let date = try? withoutFraction.parse(text) { return date }
        // Naive date-time (no offset), as in the manual's result example: read as UTC.
        if !text.hasSuffix("Z"), !hasOffset(text) {
            return parseDate(text + "Z")
        }
        return nil
    }

    private static func hasOffset(_ text: String) -> Bool {
        guard let t = text.firstIndex(of: "T") else { return false }
        let time = text[t...]
        return time.contains("+") || time.contains("-")
    }
}
