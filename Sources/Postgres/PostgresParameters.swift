import CLibPQ

/// Lays out statement parameters for `PQexecParams`: every value's UTF-8 bytes NUL-terminated in one
/// buffer, with an array of pointers into it (nil for SQL NULL) and an array of type OIDs.
enum PostgresParameters {
    /// PostgreSQL's protocol limit on parameters per statement.
    static let maximumCount = 65535

    static func with<R>(
        _ binds: [PostgresBind?],
        _ body: (Int32, UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?) throws -> R
    ) throws -> R {
        if binds.isEmpty { return try body(0, nil, nil) }
        guard binds.count <= maximumCount else {
            throw PostgresError(
                code: .invalidArgument, message: "\(binds.count) parameters; PostgreSQL accepts at most \(maximumCount) per statement (bind an array instead)")
        }
        var size = 0
        for bind in binds { size += (bind?.text.utf8.count ?? 0) + 1 }
        var buffer = [UInt8]()
        buffer.reserveCapacity(size)
        var offsets = [Int]()
        offsets.reserveCapacity(binds.count)
        var types = [Oid]()
        types.reserveCapacity(binds.count)
        for (position, bind) in binds.enumerated() {
            guard let bind else {
                offsets.append(-1)
                types.append(0)
                continue
            }
            let start = buffer.count
            buffer.append(contentsOf: bind.text.utf8)
            if buffer[start...].contains(0) {
                throw PostgresError(
                    code: .invalidArgument,
                    message: "parameter $\(position + 1) contains a NUL byte, which PostgreSQL text cannot hold (use bytea)")
            }
            buffer.append(0)
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
                    try body(Int32(binds.count), typeBuffer.baseAddress, pointerBuffer.baseAddress)
                }
            }
        }
    }
}
