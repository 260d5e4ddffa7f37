import Foundation
import Postgres
import RedisQueue

/// A fresh PostgreSQL database for one test (the hub migrates it as on a new install), dropped afterwards.
struct ScratchDatabase {
    let name: String
    let url: String

    static func create() async throws -> ScratchDatabase {
        var admin = try PostgresConfiguration(url: TestEnvironment.databaseURL)
        admin.poolSize = 1
        let name = "ngenea_it_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        // Closed before returning, awaited, on every path: no connection or thread outlives the call.
        let pool = PostgresPool(configuration: admin)
        do {
            _ = try await pool.execute("CREATE DATABASE \(PostgresIdentifier(String(name)))")
        } catch {
            await pool.close()
            throw error
        }
        await pool.close()
        var components = URLComponents(string: TestEnvironment.databaseURL)
        components?.path = "/" + name
        guard let url = components?.string else { throw TestFailure("cannot build a database URL") }
        return ScratchDatabase(name: String(name), url: url)
    }

    func drop() async {
        guard var admin = try? PostgresConfiguration(url: TestEnvironment.databaseURL) else { return }
        admin.poolSize = 1
        let pool = PostgresPool(configuration: admin)
        _ = try? await pool.execute("DROP DATABASE IF EXISTS \(PostgresIdentifier(name)) WITH (FORCE)")
        await pool.close()
    }
}

/// A Redis logical database of its own for one test, flushed before and after, so hubs and workers of
/// concurrent tests never share streams.
struct ScratchRedis {
    let url: String
    let configuration: RedisConfiguration

    /// `index` must be unique among the tests that run at the same time (1...15; 0 belongs to the
    /// RedisQueue suites' prefixed keys).
    static func create(index: Int) async throws -> ScratchRedis {
        var components = URLComponents(string: TestEnvironment.redisURL)
        components?.path = "/\(index)"
        guard let url = components?.string else { throw TestFailure("cannot build a Redis URL") }
        let scratch = ScratchRedis(url: url, configuration: try RedisConfiguration(url: url))
        try await scratch.flush()
        return scratch
    }

    func flush() async throws {
        let connection = RedisConnection(configuration: configuration)
        _ = try await connection.command(["FLUSHDB"])
        await connection.close()
    }
}
