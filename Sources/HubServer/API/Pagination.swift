import Hummingbird

/// `page` and `page_size` as every paginated list reads them (manual L19104-19105, L13998):
/// `page_size` 20..100, below 20 (or not a number) gives 20, above 100 gives 100, 0 turns pagination off.
/// A page that does not exist is 404 `{"detail": "Invalid page."}` (DRF's `PageNumberPagination`).
struct PageRequest: Sendable, Equatable {
    static let defaultSize = 20
    static let maximumSize = 100

    enum Number: Sendable, Equatable {
        case number(Int)
        /// `page=last`, as Django's paginator allows.
        case last
    }

    var number: Number
    /// Rows per page; nil when `page_size=0` asked for everything.
    var size: Int?

    init(query: QueryString, maximumSize: Int = PageRequest.maximumSize) throws {
        switch query["page"] {
        case nil, "": number = .number(1)
        case "last": number = .last
        case let text?:
            guard let value = Int(text), value >= 1 else { throw APIError.invalidPage }
            number = .number(value)
        }
        let requested = query["page_size"].flatMap { Int($0) }
        switch requested {
        case 0?: size = nil
        case let value? where value > maximumSize: size = maximumSize
        case let value? where value >= PageRequest.defaultSize: size = value
        default: size = PageRequest.defaultSize
        }
    }

    /// The rows to fetch for a list of `count` rows: offset, limit (nil = all) and the page number.
    /// - Throws: 404 "Invalid page." past the last page (page 1 of an empty list exists).
    func window(count: Int) throws -> (offset: Int, limit: Int?, page: Int) {
        guard let size else {
            guard number == .number(1) || number == .last else { throw APIError.invalidPage }
            return (0, nil, 1)
        }
        let pages = max(1, (count + size - 1) / size)
        let page: Int
        switch number {
        case .last: page = pages
        case .number(let value): page = value
        }
        guard page <= pages else { throw APIError.invalidPage }
        return ((page - 1) * size, size, page)
    }

    /// The `{count, next, previous, results}` envelope. With pagination off (`page_size=0`) the envelope
    /// stays, with every row and null links (AMB-04: clients always read `results`).
    /// `next`/`previous` keep the request's other query parameters, sorted, and replace only `page`;
    /// `previous` of page 2 drops `page` (AMB-05, manual L25701-25702).
    func envelope(results: [JSON], count: Int, page: Int, base: String, path: String, query: QueryString) -> JSON {
        func link(_ target: Int?) -> JSON {
            let encoded = query.replacing("page", with: target.map(String.init))
            return .string(base + path + (encoded.isEmpty ? "" : "?" + encoded))
        }
        var next: JSON = .null
        var previous: JSON = .null
        if let size {
            if page * size < count { next = link(page + 1) }
            if page > 1 { previous = link(page == 2 ? nil : page - 1) }
        }
        return ["count": .int(Int64(count)), "next": next, "previous": previous, "results": .array(results)]
    }
}


/// The shared path of every paginated list: read `page`/`page_size`, count, fetch the window, wrap it.
enum Paginated {
    static func respond(
        _ request: Request, _ context: HubRequestContext, base: PublicURL, maximumSize: Int = PageRequest.maximumSize,
        count: () async throws -> Int, page fetch: (_ limit: Int?, _ offset: Int) async throws -> [JSON]
    ) async throws -> JSONResponse {
        let query = QueryString(request.uri.query)
        let page = try PageRequest(query: query, maximumSize: maximumSize)
        let total = try await count()
        let window = try page.window(count: total)
        let results = try await fetch(window.limit, window.offset)
        var path = request.uri.path
        if !path.hasSuffix("/") { path += "/" }
        return JSONResponse(
            page.envelope(results: results, count: total, page: window.page, base: base.base(for: request), path: path, query: query))
    }
}
