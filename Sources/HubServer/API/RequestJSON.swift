import Foundation
import Hummingbird
import Shared

/// Reads a request's JSON body. The body was already collected within the size limit by
/// `BodyLimitMiddleware`, so this only parses.
enum RequestJSON {
    /// The body as JSON: an empty body is `{}` (an action such as `activate` is sent with `-d ''`).
    /// - Throws: 400 `{"detail": "JSON parse error - ..."}` for malformed JSON; 415 for a non-JSON
    ///   content type with a body.
    static func json(_ request: Request) async throws -> JSONValue {
        let buffer = try await request.body.collect(upTo: .max)
        let bytes = Array(buffer.readableBytesView)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .object([:]) }
        if let type = request.headers[.contentType]?.lowercased(), !type.hasPrefix("application/json"),
            !type.hasPrefix("application/") || !type.contains("json")
        {
            let shown = type.split(separator: ";").first.map(String.init) ?? type
            throw APIError(status: .unsupportedMediaType, detail: "Unsupported media type \"\(shown)\" in request.")
        }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw APIError(status: .badRequest, detail: "JSON parse error - \(Self.reason(bytes))")
        }
    }

    /// The body as a JSON object, ready for field-by-field reading.
    static func fields(_ request: Request) async throws -> FieldReader {
        try FieldReader(try await json(request))
    }

    /// Where the JSON breaks, never what the body says there (it may be a password): JSONSerialization's
    /// diagnosis is reduced to its position ("around character 13") or to "unexpected end of input".
    static func reason(_ bytes: [UInt8]) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            let text = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? ""
            if let range = text.range(of: #"character \d+"#, options: .regularExpression) {
                return "invalid JSON around \(text[range])."
            }
            if text.lowercased().contains("end of file") { return "unexpected end of input." }
        }
        return "the body is not valid JSON."
    }
}
