import Foundation

/// New wire task ids: time-ordered UUIDs (version 7, RFC 9562) in lowercase, the form of Celery's ids.
///
/// Time-ordered because the unique index on `tasks.task_id` takes every new task and, as a result's update
/// is not HOT, every result again: ids that grow with time land on the index's right edge instead of a
/// random page each (about a tenth off the result update). 74 random bits per millisecond keep them
/// unique. Foundation's `UUID()` opened, read and closed `/dev/urandom` for every id on Linux (up to a tenth of
/// the hub's CPU on a job of one-file tasks); this draws from the system generator (`getrandom`) and
/// writes the text directly.
enum WireTaskID {
    static func make(now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        let high = millis << 16 | 0x7000 | (generator.next() & 0x0FFF)
        let low = (generator.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return format(high: high, low: low)
    }

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` of the 128 bits `high` then `low`.
    static func format(high: UInt64, low: UInt64) -> String {
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var at = 0
            func put(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    let nibble = UInt8(truncatingIfNeeded: value >> UInt64(shift)) & 0xF
                    buffer[at] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
                    at += 1
                }
            }
            func dash() {
                buffer[at] = UInt8(ascii: "-")
                at += 1
            }
            put(high >> 32, nibbles: 8)
            dash()
            put((high >> 16) & 0xFFFF, nibbles: 4)
            dash()
            put(high & 0xFFFF, nibbles: 4)
            dash()
            put(low >> 48, nibbles: 4)
            dash()
            put(low & 0xFFFF_FFFF_FFFF, nibbles: 12)
            return at
        }
    }
}
