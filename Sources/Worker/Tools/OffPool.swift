import Foundation

/// Runs blocking filesystem work (directory walks, renames, unlinks, temp files) on a thread of its own,
/// so that it never occupies one of the few threads of Swift's cooperative pool, which every running task
/// and the Redis clients share.
enum OffPool {
    static func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let thread = Thread {
                do {
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = name
            thread.start()
        }
    }
}
