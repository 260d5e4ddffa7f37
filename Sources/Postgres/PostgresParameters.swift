import CLibPQ

/// Lays out statement parameters for `PQexecParams`: every value's bytes in one buffer (text values
/// NUL-terminated), with arrays of pointers into it (nil for SQL NULL), type OIDs, and, when any value is
/// binary, lengths and formats.
enum PostgresParameters {
    /// PostgreSQL's protocol limit on parameters per statement.
    static let maximumCount = 65535

    /// What libpq takes besides the statement: count, types, values, lengths and formats (the last two
    /// nil when every value is text).
    typealias Arrays = (
        count: Int32, types: UnsafePointer<Oid>?, values: UnsafePointer<UnsafePointer<CChar>?>?, lengths: UnsafePointer<Int32>?,
        formats: UnsafePointer<Int32>?
    )

    static func with<R>(_ binds: [PostgresBind?], _ body: (Arrays) throws -> R) throws -> R {
        if binds.isEmpty { return try body((0, nil, nil, nil, nil)) }
        guard binds.count <= maximumCount else {
            throw PostgresError(
                code: .invalidArgument, message: "\(binds.count) parameters; PostgreSQL accepts at most \(maximumCount) per statement (bind an array instead)")
        }
        var size = 0
        var anyBinary = false
        for bind in binds {
            switch bind?.payload {
            case .text(let text): size += text.utf8.count + 1
            case .binary(let bytes): size += bytes.count; anyBinary = true
            case nil: break
            }
        }
        var buffer = [UInt8]()
        buffer.reserveCapacity(size)
        var offsets = [Int]()
        offsets.reserveCapacity(binds.count)
        var types = [Oid]()
        types.reserveCapacity(binds.count)
        var lengths = [Int32]()
        var formats = [Int32]()
        for (position, bind) in binds.enumerated() {
            guard let bind else {
                offsets.append(-1)
                types.append(0)
                lengths.append(0)
                formats.append(0)
                continue
            }
            let start = buffer.count
            switch bind.payload {
            case .text(let text):
                buffer.append(contentsOf: text.utf8)
                if buffer[start...].contains(0) {
                    throw PostgresError(
                        code: .invalidArgument,
                        message: "parameter $\(position + 1) contains a NUL byte, which PostgreSQL text cannot hold (use bytea)")
                }
                buffer.append(0)
                formats.append(0)
            case .binary(let bytes):
                buffer.append(contentsOf: bytes)
                formats.append(1)
            }
            guard let length = Int32(exactly: buffer.count - start) else {
                throw PostgresError(code: .invalidArgument, message: "parameter $\(position + 1) is over 2 GiB")
            }
            lengths.append(length)
            offsets.append(start)
            types.append(bind.type.rawValue)
        }
        return try buffer.withUnsafeBufferPointer { bytes in
            let base = bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
            let pointers: [UnsafePointer<CChar>?] = offsets.map { offset in
                offset < 0 ? nil : base.map { $0 + offset }
            }
            return try pointers.withUnsafeBufferPointer { pointerBuffer in
                try types.withUnsafeBufferPointer { typeBuffer in
                    guard anyBinary else {
                        return try body((Int32(binds.count), typeBuffer.baseAddress, pointerBuffer.baseAddress, nil, nil))
                    }
                    return try lengths.withUnsafeBufferPointer { lengthBuffer in
                        try formats.withUnsafeBufferPointer { formatBuffer in
                            try body(
                                (Int32(binds.count), typeBuffer.baseAddress, pointerBuffer.baseAddress, lengthBuffer.baseAddress, formatBuffer.baseAddress))
                        }
                    }
                }
            }
        }
    }
}
