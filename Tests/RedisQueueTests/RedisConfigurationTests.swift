import Foundation
import RedisQueue
import Testing

@Suite("RedisConfiguration")
struct RedisConfigurationTests {
    @Test("parses valid URLs")
    func validURLs() throws {
        let plain = try RedisConfiguration(url: "redis://127.0.0.1:56379/0")
        #expect(plain.host == "127.0.0.1")
        #expect(plain.port == 56379)
        #expect(plain.database == 0)
        #expect(plain.password == nil)
        #expect(plain.username == nil)

        let defaults = try RedisConfiguration(url: "redis://localhost")
        #expect(defaults.host == "localhost")
        #expect(defaults.port == 6379)
        #expect(defaults.database == 0)

        let trailingSlash = try RedisConfiguration(url: "REDIS://cache.example.com/")
        #expect(trailingSlash.host == "cache.example.com")
        #expect(trailingSlash.database == 0)

        let withPassword = try RedisConfiguration(url: "redis://:p%40ss:w@redis.local:1234/3")
        #expect(withPassword.password == "p@ss:w")
        #expect(withPassword.username == nil)
        #expect(withPassword.host == "redis.local")
        #expect(withPassword.port == 1234)
        #expect(withPassword.database == 3)

        let withUser = try RedisConfiguration(url: "redis://hub:secret@10.0.0.5/15")
        #expect(withUser.username == "hub")
        #expect(withUser.password == "secret")
        #expect(withUser.database == 15)

        let ipv6 = try RedisConfiguration(url: "redis://[::1]:7000/2")
        #expect(ipv6.host == "::1")
        #expect(ipv6.port == 7000)
        #expect(ipv6.database == 2)
    }

    @Test(
        "rejects malformed URLs with invalidURL",
        arguments: [
            "", "127.0.0.1:6379", "http://host", "rediss://host", "unix:///tmp/redis.sock", "redis://",
            "redis://:6379", "redis://host:0", "redis://host:65536", "redis://host:abc", "redis://host:",
            "redis://host/x", "redis://host/-1", "redis://host/1/2", "redis://password@host",
            "redis://:%zz@host", "redis://host?db=1", "redis://host#frag", "redis://[::1", "redis://[::1]x",
            "redis://ho st",
        ]
    )
    func invalidURL(_ url: String) {
        #expect {
            _ = try RedisConfiguration(url: url)
        } throws: { error in
            (error as? RedisError)?.code == .invalidURL
        }
    }

    @Test("the password never shows in descriptions, mirrors or URL errors")
    func passwordRedacted() throws {
        let configuration = try RedisConfiguration(url: "redis://hub:Sup3rSecret@host:6380/1")
        #expect(configuration.description == "redis://hub:***@host:6380/1")
        #expect(!String(reflecting: configuration).contains("Sup3rSecret"))
        #expect(!"\(configuration)".contains("Sup3rSecret"))
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!dumped.contains("Sup3rSecret"))
        #expect(dumped.contains("host"))

        for url in ["redis://:Sup3rSecret@host:bad", "redis://:Sup3rSecret/x@host", "redis://:Sup3rSecret@host/db"] {
            do {
                _ = try RedisConfiguration(url: url)
                Issue.record("\(url.count)-character URL was accepted")
            } catch {
                #expect(!error.description.contains("Sup3rSecret"))
                #expect(!error.message.isEmpty)
            }
        }
    }
}
