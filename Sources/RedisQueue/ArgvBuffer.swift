/// Lays a command's arguments out for hiredis's binary-safe `*Argv` functions: one contiguous copy of
/// all argument bytes plus the pointer and length arrays, valid for the duration of `body`.
/// Arguments may contain any bytes, NUL included; nothing is ever formatted printf-style.
enum ArgvBuffer {
    static func with<Result>(
        _ arguments: [[UInt8]],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) throws(RedisError) -> Result
    ) throws(RedisError) -> Result {
        let count = arguments.count
        guard count > 0, let argc = Int32(exactly: count) else {
            throw .invalidArgument("a command needs between 1 and \(Int32.max) arguments")
        }
        let total = arguments.reduce(0) { $0 + $1.count }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1), alignment: 1)
        let pointers = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: count)
        let lengths = UnsafeMutablePointer<Int>.allocate(capacity: count)
        defer {
            storage.deallocate()
            pointers.deallocate()
            lengths.deallocate()
        }
        var offset = 0
        for (index, argument) in arguments.enumerated() {
            UnsafeMutableRawBufferPointer(start: storage + offset, count: argument.count).copyBytes(from: argument)
            lengths[index] = argument.count
            offset += argument.count
        }
        let characters = storage.bindMemory(to: CChar.self, capacity: max(total, 1))
        offset = 0
        for index in 0..<count {
            pointers[index] = UnsafePointer(characters + offset)
            offset += lengths[index]
        }
        return try body(argc, pointers, UnsafePointer(lengths))
    }
}
