import CHiredis

extension RedisValue {
    /// Copies a hiredis reply tree into Swift values. Does not free it: the caller frees the root with
    /// `freeReplyObject` right after.
    init(copying reply: UnsafePointer<redisReply>) {
        let node = reply.pointee
        switch node.type {
        case REDIS_REPLY_STRING:
            self = .bulk(Self.copyBytes(node.str, node.len))
        case REDIS_REPLY_STATUS:
            self = .status(String(decoding: Self.copyBytes(node.str, node.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            self = .error(String(decoding: Self.copyBytes(node.str, node.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            self = .integer(node.integer)
        case REDIS_REPLY_NIL:
            self = .null
        case REDIS_REPLY_ARRAY:
            var elements: [RedisValue] = []
            elements.reserveCapacity(node.elements)
            if let children = node.element {
                for index in 0..<node.elements {
                    if let child = children[index] {
                        elements.append(RedisValue(copying: child))
                    } else {
                        elements.append(.null)
                    }
                }
            }
            self = .array(elements)
        default:
            self = .error("unsupported hiredis reply type \(node.type)")
        }
    }

    private static func copyBytes(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Parses one complete RESP2 reply from `bytes` with hiredis's own reader (the code path the
    /// connection uses). Returns nil when the bytes are incomplete; throws on a protocol error.
    /// Exists so reply decoding can be tested without a server.
    static func parse(resp bytes: [UInt8]) throws(RedisError) -> RedisValue? {
        guard let reader = redisReaderCreate() else {
            throw RedisError(code: .unexpectedReply, message: "could not allocate a hiredis reader")
        }
        defer { redisReaderFree(reader) }
        let fed = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                redisReaderFeed(reader, chars.baseAddress, chars.count)
            }
        }
        guard fed == REDIS_OK else {
            throw RedisError(code: .unexpectedReply, message: "hiredis reader refused the input")
        }
        var reply: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &reply) == REDIS_OK else {
            throw RedisError(code: .unexpectedReply, message: "protocol error in RESP input")
        }
        guard let reply else { return nil }
        defer { freeReplyObject(reply) }
        return RedisValue(copying: reply.assumingMemoryBound(to: redisReply.self))
    }
}
