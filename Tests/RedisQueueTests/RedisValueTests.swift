@testable import RedisQueue
import Testing

@Suite("RedisValue decoding")
struct RedisValueTests {
    private func parse(_ text: String) throws -> RedisValue? {
        try RedisValue.parse(resp: Array(text.utf8))
    }

    @Test("decodes each RESP2 reply type through hiredis's reader")
    func decodesEachType() throws {
        #expect(try parse("+OK\r\n") == .status("OK"))
        #expect(try parse("-ERR something went wrong\r\n") == .error("ERR something went wrong"))
        #expect(try parse(":-42\r\n") == .integer(-42))
        #expect(try parse("$5\r\nhello\r\n") == .bulk(Array("hello".utf8)))
        #expect(try parse("$0\r\n\r\n") == .bulk([]))
        #expect(try parse("$-1\r\n") == .null)
        #expect(try parse("*-1\r\n") == .null)
        #expect(try parse("*0\r\n") == .array([]))
        #expect(
            try parse("*3\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n-NOGROUP gone\r\n")
                == .array([.bulk([97]), .array([.integer(1), .null]), .error("NOGROUP gone")])
        )
    }

    @Test("bulk strings are binary-safe")
    func binaryBulk() throws {
        let payload: [UInt8] = [0, 0xFF, 0xC3, 0x28, 13, 10, 0]
        let resp = Array("$\(payload.count)\r\n".utf8) + payload + Array("\r\n".utf8)
        let value = try RedisValue.parse(resp: resp)
        #expect(value == .bulk(payload))
        #expect(value?.string == nil)
        #expect(value?.bytes == payload)
    }

    @Test("incomplete input gives nil; malformed input throws")
    func incompleteAndMalformed() throws {
        #expect(try parse("$5\r\nhel") == nil)
        #expect(throws: RedisError.self) { try parse("!bogus\r\n") }
    }

    @Test("accessors")
    func accessors() {
        #expect(RedisValue.bulk(Array("12".utf8)).integer == 12)
        #expect(RedisValue.integer(7).integer == 7)
        #expect(RedisValue.status("OK").string == "OK")
        #expect(RedisValue.null.isNull)
        #expect(RedisValue.array([.null]).array == [.null])
        #expect(RedisValue.integer(1).array == nil)
    }
}
