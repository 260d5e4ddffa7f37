import Foundation
import Logging
import Postgres

/// The test database: `NGENEA_TEST_DATABASE_URL`, or the private development server when unset.
/// Tests never skip when it is unreachable: they fail with the connection error.
enum TestDatabase {
    static let defaultURL = "postgres://ngenea@127.0.0.1:55432/ngenea_test"

    static var url: String {
        let value = ProcessInfo.processInfo.environment["NGENEA_TEST_DATABASE_URL"] ?? ""
        return value.isEmpty ? defaultURL : value
    }

    static var logger: Logger {
        var logger = Logger(label: "postgres-tests")
        logger.logLevel = .error
        return logger
    }

    static func configuration(schema: String? = nil, poolSize: Int = 4) throws -> PostgresConfiguration {
        var configuration = try PostgresConfiguration(url: url)
        configuration.applicationName = "postgres-tests"
        configuration.poolSize = poolSize
        configuration.connectTimeoutSeconds = 5
        if let schema { configuration.searchPath = [schema] }
        return configuration
    }

    static func randomSchemaName() -> String {
        "t_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    /// A random advisory-lock key, so parallel tests never contend for the same lock.
    static func randomLockKey() -> Int64 { Int64.random(in: 1...Int64.max) }

    /// Runs `body` with a fresh schema `t_<random>` and a pool whose connections use it as
    /// `search_path`. The schema is dropped and the pools closed afterwards, even when `body` throws.
    static func withSchema<T>(
        poolSize: Int = 4, checkoutTimeout: Duration? = nil,
        _ body: (_ pool: PostgresPool, _ schema: String) async throws -> T
    ) async throws -> T {
        let schema = randomSchemaName()
        let admin = PostgresPool(configuration: try configuration(poolSize: 1), logger: logger)
        try await admin.withConnection { try $0.executeScript("CREATE SCHEMA \(PostgresIdentifier(schema).quoted)") }
        var configuration = try configuration(schema: schema, poolSize: poolSize)
        configuration.checkoutTimeout = checkoutTimeout
        let pool = PostgresPool(configuration: configuration, logger: logger)
        do {
            let result = try await body(pool, schema)
            await pool.close()
            try await drop(schema, admin)
            return result
        } catch {
            await pool.close()
            try? await drop(schema, admin)
            throw error
        }
    }

    /// A pool like the one `withSchema` gives, on an existing schema (for a second "replica").
    static func pool(schema: String, poolSize: Int = 2) throws -> PostgresPool {
        PostgresPool(configuration: try configuration(schema: schema, poolSize: poolSize), logger: logger)
    }

    /// A pool without a schema of its own, for administrative statements.
    static func adminPool() throws -> PostgresPool {
        PostgresPool(configuration: try configuration(poolSize: 1), logger: logger)
    }

    private static func drop(_ schema: String, _ admin: PostgresPool) async throws {
        do {
            try await admin.withConnection {
                try $0.executeScript("DROP SCHEMA IF EXISTS \(PostgresIdentifier(schema).quoted) CASCADE")
            }
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
    }
}
