/// PostgreSQL's binary wire format (the types' `send`/`recv` functions) for what this library sends in
/// it: one-dimensional arrays of text, int8, int4 and bool (parameters and COPY), and the scalars of a
/// binary COPY. All integers are big-endian.
enum PostgresBinaryFormat {
    /// Element types whose arrays bind in binary format.
    static let arrayElementTypes: Set<PostgresDataType> = [.text, .int8, .int4, .bool]

    static func append(_ value: Int64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    static func append(_ value: Int32, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    static func append(_ value: Int16, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    /// `array_recv`'s input: dimensions, a has-NULLs flag, the element type, then each element as its
    /// length (-1 for NULL) and bytes. `write` appends one element and returns false for NULL (having
    /// appended nothing).
    static func array<Element>(
        _ elements: [Element], elementType: PostgresDataType, write: (Element, inout [UInt8]) -> Bool
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(20 + elements.count * 12)
        append(Int32(elements.isEmpty ? 0 : 1), to: &out)
        let flags = out.count
        append(Int32(0), to: &out)
        append(Int32(bitPattern: elementType.rawValue), to: &out)
        guard !elements.isEmpty else { return out }
        append(Int32(elements.count), to: &out)
        append(Int32(1), to: &out)  // lower bound
        var hasNulls = false
        for element in elements {
            let lengthAt = out.count
            append(Int32(0), to: &out)
            if write(element, &out) {
                let length = Int32(out.count - lengthAt - 4).bigEndian
                withUnsafeBytes(of: length) { bytes in
                    for index in 0..<4 { out[lengthAt + index] = bytes[index] }
                }
            } else {
                hasNulls = true
                for index in 0..<4 { out[lengthAt + index] = 0xFF }
            }
        }
        if hasNulls { out[flags + 3] = 1 }
        return out
    }

    /// Reads an array this library wrote back as its text literal (`text` of a binary bind, for a text
    /// COPY); nil for bytes it did not write.
    static func arrayLiteral(_ bytes: [UInt8]) -> String? {
        var reader = Reader(bytes: bytes)
        guard let dimensions = reader.int32(), reader.int32() != nil, let oid = reader.int32() else { return nil }
        let elementType = PostgresDataType(rawValue: UInt32(bitPattern: oid))
        guard dimensions == 0 || dimensions == 1, arrayElementTypes.contains(elementType) else { return nil }
        var elements: [String?] = []
        if dimensions == 1 {
            guard let count = reader.int32(), count >= 0, reader.int32() != nil else { return nil }
            for _ in 0..<count {
                guard let length = reader.int32() else { return nil }
                if length < 0 {
                    elements.append(nil)
                    continue
                }
                guard let value = reader.bytes(Int(length)) else { return nil }
                switch elementType {
                case .text: elements.append(String(decoding: value, as: UTF8.self))
                case .bool: elements.append(value.first == 1 ? "t" : "f")
                case .int4: elements.append(String(Int32(truncatingIfNeeded: Reader.unsigned(value))))
                default: elements.append(String(Int64(bitPattern: Reader.unsigned(value))))
                }
            }
        }
        return PostgresArrayLiteral.format(elements)
    }

    /// A COPY field in binary format: a binary bind as it is; a text one converted for the types whose
    /// text form this library writes (int8, int4, int2, bool) or sent as it is (text, varchar, and
    /// untyped strings). Nil for other types. An untyped string is trusted to go to a text or varchar
    /// column: the bytes say nothing of the column, and a string of a fixed-width type's size (8 bytes
    /// into an int8 column) would be read as that type's binary form.
    static func copyField(_ bind: PostgresBind) -> [UInt8]? {
        switch bind.payload {
        case .binary(let bytes):
            return bytes
        case .text(let text):
            var out: [UInt8] = []
            switch bind.type {
            case .int8: guard let value = Int64(text) else { return nil }; append(value, to: &out)
            case .int4: guard let value = Int32(text) else { return nil }; append(value, to: &out)
            case .int2: guard let value = Int16(text) else { return nil }; append(value, to: &out)
            case .bool:
                switch text.lowercased() {
                case "t", "true", "1": out.append(1)
                case "f", "false", "0": out.append(0)
                default: return nil
                }
            case .text, .varchar, .unknown: out.append(contentsOf: text.utf8)
            default: return nil
            }
            return out
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var at = 0

        mutating func bytes(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, at + count <= bytes.count else { return nil }
            defer { at += count }
            return bytes[at..<at + count]
        }

        mutating func int32() -> Int32? {
            bytes(4).map { Int32(truncatingIfNeeded: Self.unsigned($0)) }
        }

        /// Big-endian bytes (at most eight) as an unsigned number.
        static func unsigned(_ bytes: ArraySlice<UInt8>) -> UInt64 {
            bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
    }
}
