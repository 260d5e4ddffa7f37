import Foundation
import Postgres

/// Slows password guessing: after `maxFailures` failed logins from one client address for one username
/// within `window` seconds, that pair is locked out for `lockout` seconds, doubling with each further
/// failure up to an hour. While locked out even the right password gets 429 with `Retry-After` (else the
/// lockout would only tell a guesser when to stop). The state lives in PostgreSQL, using its clock, so
/// every replica behind a load balancer sees the same counts.
struct LoginThrottle: Sendable {
    let pool: PostgresPool
    let maxFailures: Int
    let lockout: Int
    let window: Int
    static let maximumLockout = 3600

    /// Seconds until the pair may try again, or nil when it may try now.
    func retryAfter(client: String, username: String) async throws -> Int? {
        let rows = try await pool.query(
            """
            SELECT ceil(extract(epoch FROM locked_until - now()))::bigint AS wait
            FROM auth_login_failure WHERE client = $1 AND username = $2 AND locked_until > now()
            """, [.string(client), .string(username)])
        return try rows.first.map { Int(try $0.decode(Int64.self, "wait")) }
    }

    /// Counts a failure; returns the lockout it started, if any.
    @discardableResult
    func recordFailure(client: String, username: String) async throws -> Int? {
        let maxFailures = maxFailures, lockout = lockout, window = window
        let wait = try await pool.transaction { conn -> Int? in
            try conn.execute(
                """
                INSERT INTO auth_login_failure (client, username, failures, last_failure) VALUES ($1, $2, 0, now())
                ON CONFLICT DO NOTHING
                """, [.string(client), .string(username)])
            let rows = try conn.query(
                """
                SELECT failures, last_failure < now() - make_interval(secs => $3) AS stale
                FROM auth_login_failure WHERE client = $1 AND username = $2 FOR UPDATE
                """, [.string(client), .string(username), .int(window)])
            guard let row = rows.first else { return nil }
            let failures = (try row.decode(Bool.self, "stale") ? 0 : try row.decode(Int.self, "failures")) + 1
            var wait: Int?
            if failures >= maxFailures {
                let doublings = min(failures - maxFailures, 20)
                wait = min(Self.maximumLockout, lockout << doublings)
            }
            try conn.execute(
                """
                UPDATE auth_login_failure SET failures = $3, last_failure = now(),
                    locked_until = CASE WHEN $4::integer IS NULL THEN NULL ELSE now() + make_interval(secs => $4::integer) END
                WHERE client = $1 AND username = $2
                """, [.string(client), .string(username), .int(failures), wait.map { .int($0) }])
            return wait
        }
        // Forget old failures now and then, so guessed usernames do not pile up.
        if Int.random(in: 0..<50) == 0 {
            try await pool.execute(
                """
                DELETE FROM auth_login_failure
                WHERE last_failure < now() - make_interval(secs => $1) AND (locked_until IS NULL OR locked_until < now())
                """, [.int(max(window, Self.maximumLockout))])
        }
        return wait
    }

    func recordSuccess(client: String, username: String) async throws {
        try await pool.execute(
            "DELETE FROM auth_login_failure WHERE client = $1 AND username = $2", [.string(client), .string(username)])
    }
}
