import Testing

@testable import HubServer

@Suite struct PaginationTests {
    func page(_ query: String) throws -> PageRequest { try PageRequest(query: QueryString(query)) }

    @Test(arguments: [
        ("", 20), ("page_size=1", 20), ("page_size=19", 20), ("page_size=20", 20), ("page_size=57", 57),
        ("page_size=100", 100), ("page_size=500", 100), ("page_size=-3", 20), ("page_size=abc", 20), ("page_size=", 20),
    ])
    func pageSizeIsClampedTo20Through100(query: String, size: Int) throws {
        #expect(try page(query).size == size)
    }

    @Test func pageSizeZeroTurnsPaginationOff() throws {
        let request = try page("page_size=0")
        #expect(request.size == nil)
        let window = try request.window(count: 349)
        #expect(window.offset == 0 && window.limit == nil)
        let body = request.envelope(results: [], count: 349, page: 1, base: "http://h", path: "/api/permissions/", query: QueryString("page_size=0"))
        #expect(body["next"] == .null && body["previous"] == .null && body["count"] == .int(349))
    }

    @Test func windowsAndInvalidPages() throws {
        #expect(try page("page=2").window(count: 45) == (20, 20, 2))
        #expect(try page("page=3").window(count: 45) == (40, 20, 3))
        #expect(try page("page=last").window(count: 45) == (40, 20, 3))
        #expect(try page("").window(count: 0) == (0, 20, 1))  // an empty list still has page 1
        for bad in ["page=4", "page=0", "page=-1", "page=abc", "page=1.5"] {
            #expect(throws: APIError.self, "\(bad)") { try page(bad).window(count: 45) }
        }
        #expect(throws: APIError.self) { try page("page=2").window(count: 0) }
        #expect(throws: APIError.self) { try page("page=2&page_size=0").window(count: 5) }
    }

    @Test func linksKeepTheOtherParametersSortedAndReplaceOnlyPage() throws {
        let query = QueryString("state=SUCCESS&internal=false&page=2&page_size=20")
        let request = try PageRequest(query: query)
        let body = request.envelope(results: [], count: 100, page: 2, base: "http://hub:8000", path: "/api/tasks/", query: query)
        #expect(body["next"] == .string("http://hub:8000/api/tasks/?internal=false&page=3&page_size=20&state=SUCCESS"))
        // Page 2's previous is page 1, written without `page` (xref L11068-11069).
        #expect(body["previous"] == .string("http://hub:8000/api/tasks/?internal=false&page_size=20&state=SUCCESS"))
        let first = try PageRequest(query: QueryString("")).envelope(
            results: [], count: 21, page: 1, base: "http://h", path: "/api/x/", query: QueryString(""))
        #expect(first["next"] == .string("http://h/api/x/?page=2") && first["previous"] == .null)
        let last = try PageRequest(query: QueryString("page=3")).envelope(
            results: [], count: 45, page: 3, base: "http://h", path: "/api/x/", query: QueryString("page=3"))
        #expect(last["next"] == .null && last["previous"] == .string("http://h/api/x/?page=2"))
    }

    @Test func queryStringsDecodeAndEncode() {
        let query = QueryString("a=1&b=x+y&c=%2Fpath%20here&d&a=2&e=%zz")
        #expect(query["a"] == "2" && query["b"] == "x y" && query["c"] == "/path here" && query["d"] == "")
        #expect(query["e"] == "%zz" && query["missing"] == nil)
        #expect(QueryString("q=caf%C3%A9&page=1").replacing("page", with: "2") == "page=2&q=caf%C3%A9")
        #expect(QueryString("x=a&b").replacing("page", with: nil) == "b=&x=a")
    }
}
