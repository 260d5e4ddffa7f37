import Foundation
import Logging
import Postgres

@testable import HubServer

/// A fresh schema in the test database (`NGENEA_TEST_DATABASE_URL`, default the private dev server) for
/// one test, dropped afterwards: tests that need the hub's tables run in parallel without meeting.
enum TestSchema {
    static var url: String {
        ProcessInfo.processInfo.environment["NGENEA_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "postgres://ngenea@127.0.0.1:55432/ngenea_test"
    }

    /// Runs `body` with a pool of `connections` on a fresh schema, dropped afterwards.
    static func with(connections: Int = 1, _ body: (PostgresPool) async throws -> Void) async throws {
        var logger = Logger(label: "hub-server-tests")
        logger.logLevel = .error
        let schema = PostgresIdentifier("t_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)).quoted
        var configuration = try PostgresConfiguration(url: url)
        configuration.poolSize = 1
        let admin = PostgresPool(configuration: configuration, logger: logger)
        try await admin.execute("CREATE SCHEMA \(schema)")
        configuration.searchPath = [String(schema.dropFirst().dropLast())]
        configuration.poolSize = connections
        let pool = PostgresPool(configuration: configuration, logger: logger)
        var failure: (any Error)?
        do { try await body(pool) } catch { failure = error }
        await pool.close()
        _ = try? await admin.execute("DROP SCHEMA \(schema) CASCADE")
        await admin.close()
        if let failure { throw failure }
    }

    /// The hub's migrations up to `version`.
    static func migrate(_ pool: PostgresPool, upTo version: Int = .max) async throws {
        try await Migrator.apply(HubMigrations.all.filter { $0.version <= version }, on: pool, lockKey: .random(in: 1...Int64.max))
    }
}
