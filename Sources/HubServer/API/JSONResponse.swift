import Hummingbird

/// A JSON response with the status the route's convention wants (200, 201, 204 without a body...).
struct JSONResponse: ResponseGenerator, Sendable {
    var status: HTTPResponse.Status = .ok
    var body: JSON?
    var headers: HTTPFields = [:]

    init(status: HTTPResponse.Status = .ok, _ body: JSON?, headers: HTTPFields = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    /// 204 No Content, empty body (DELETE).
    static let noContent = JSONResponse(status: .noContent, nil)

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        guard let body, status != .noContent else { return Response(status: status, headers: fields) }
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: .init(bytes: body.bytes)))
    }
}
