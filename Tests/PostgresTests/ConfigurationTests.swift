import Foundation
import Postgres
import Testing

@Suite("PostgresConfiguration URL parsing")
struct ConfigurationTests {
    @Test func parsesFullURL() throws {
        let configuration = try PostgresConfiguration(
            url: "postgres://hub:s3cret@db.example.com:6543/ngeneahub?sslmode=require&application_name=hub-1&search_path=hub,public&pool_size=8&connect_timeout=3&checkout_timeout=1.5&statement_timeout=5s")
        #expect(configuration.user == "hub")
        #expect(configuration.password == "s3cret")
        #expect(configuration.host == "db.example.com")
        #expect(configuration.port == 6543)
        #expect(configuration.database == "ngeneahub")
        #expect(configuration.sslMode == "require")
        #expect(configuration.applicationName == "hub-1")
        #expect(configuration.searchPath == ["hub", "public"])
        #expect(configuration.poolSize == 8)
        #expect(configuration.connectTimeoutSeconds == 3)
        #expect(configuration.checkoutTimeout == .milliseconds(1500))
        #expect(configuration.runtimeParameters == ["statement_timeout": "5s"])
    }

    @Test func defaultsPortAndAcceptsPostgresqlScheme() throws {
        let configuration = try PostgresConfiguration(url: "postgresql://ngenea@127.0.0.1/ngenea_test")
        #expect(configuration.port == 5432)
        #expect(configuration.password == nil)
        #expect(configuration.host == "127.0.0.1")
    }

    @Test func percentDecodesUserPasswordAndDatabase() throws {
        let configuration = try PostgresConfiguration(url: "postgres://us%40er:p%40ss%3Aw%2Frd%25@[::1]:5433/my%20db")
        #expect(configuration.user == "us@er")
        #expect(configuration.password == "p@ss:w/rd%")
        #expect(configuration.host == "::1")
        #expect(configuration.port == 5433)
        #expect(configuration.database == "my db")
    }

    @Test func unixSocketHostFromQuery() throws {
        let configuration = try PostgresConfiguration(url: "postgres://ngenea@/hub?host=%2Fvar%2Frun%2Fpostgresql")
        #expect(configuration.host == "/var/run/postgresql")
    }

    @Test func passwordIsRedacted() throws {
        let configuration = try PostgresConfiguration(url: "postgres://hub:TopSecret99@localhost:5432/hub")
        #expect(!configuration.description.contains("TopSecret99"))
        #expect(configuration.description.contains("***"))
        #expect(!String(describing: configuration).contains("TopSecret99"))
        #expect(!"\(configuration)".contains("TopSecret99"))
    }

    @Test(arguments: [
        "mysql://u@h/db",
        "postgres://u@h:notaport/db",
        "postgres://u@h:70000/db",
        "postgres://u@h:5432/",
        "postgres://h:5432/db",
        "postgres//u@h/db",
        "postgres://u@h/db?pool_size=0",
        "postgres://u@[::1/db",
        "postgres://u:pw@h/%zz",
    ])
    func rejectsInvalidURLs(url: String) {
        let error = #expect(throws: PostgresError.self) { try PostgresConfiguration(url: url) }
        #expect(error?.code == .invalidConfiguration)
    }

    @Test func errorMessagesRedactThePassword() {
        let error = #expect(throws: PostgresError.self) {
            try PostgresConfiguration(url: "postgres://hub:TopSecret99@localhost:bad/hub")
        }
        #expect(error?.message.contains("TopSecret99") == false)
        #expect(error?.message.contains("hub:***@localhost") == true)
    }

    @Test func identifiersAreQuoted() {
        #expect(PostgresIdentifier("jobs").quoted == "\"jobs\"")
        #expect(PostgresIdentifier(schema: "hub", name: "we\"ird").quoted == "\"hub\".\"we\"\"ird\"")
    }
}
