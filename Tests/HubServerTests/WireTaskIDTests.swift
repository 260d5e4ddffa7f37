import Foundation
import Testing

@testable import HubServer

/// The hub's wire task ids: lowercase version-7 UUIDs that Foundation reads back bit for bit.
@Suite struct WireTaskIDTests {
    @Test func formatsTheBitsInUUIDOrder() {
        #expect(WireTaskID.format(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210) == "01234567-89ab-cdef-fedc-ba9876543210")
        #expect(WireTaskID.format(high: 0, low: 0) == "00000000-0000-0000-0000-000000000000")
    }

    @Test func idsAreDistinctVersion7UUIDsInTimeOrder() throws {
        var seen = Set<String>()
        var previous = ""
        for n in 0..<20_000 {
            let id = WireTaskID.make(now: Date(timeIntervalSince1970: 1_800_000_000 + Double(n) / 1000))
            let uuid = try #require(UUID(uuidString: id))
            #expect(uuid.uuidString.lowercased() == id)
            let bytes = uuid.uuid
            #expect(bytes.6 >> 4 == 7)
            #expect(bytes.8 >> 6 == 0b10)
            // The first 48 bits are the time in milliseconds, so a later id sorts after an earlier one.
            #expect(id.prefix(8) + id.dropFirst(9).prefix(4) == String(1_800_000_000_000 + UInt64(n), radix: 16).leftPadded(to: 12))
            #expect(id > previous)
            previous = id
            seen.insert(id)
        }
        #expect(seen.count == 20_000)
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
