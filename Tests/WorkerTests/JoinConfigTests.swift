import Testing

@testable import Worker

/// The pure parts of `ngenea-worker join`: editing the INI configuration in place and reading `--hub`.
@Suite struct JoinConfigTests {
    @Test func replacesKeysInPlaceAndKeepsEverythingElse() {
        let before = """
            # managed by hand
            [settings]
            Site = old
            api_host: oldhost
            gpfs_nodes = ["a",
              "b"]
            ; trailing comment

            [Queue fast]
            site = not-this-one

            """
        let after = ConfigEditor.setting([("site", "new"), ("api_host", "hub"), ("api_port", "8000")], in: before)
        #expect(after == """
            # managed by hand
            [settings]
            site = new
            api_host = hub
            gpfs_nodes = ["a",
              "b"]
            ; trailing comment
            api_port = 8000

            [Queue fast]
            site = not-this-one

            """)
    }

    @Test func replacingAValueDropsItsContinuationLines() {
        let after = ConfigEditor.setting([("gpfs_nodes", "[]")], in: "[settings]\ngpfs_nodes = [\"a\",\n  \"b\"]\nsite = x\n")
        #expect(after == "[settings]\ngpfs_nodes = []\nsite = x\n")
    }

    @Test func addsASettingsSectionWhenThereIsNone() {
        #expect(ConfigEditor.setting([("site", "s")], in: "") == "[settings]\nsite = s\n")
        #expect(ConfigEditor.setting([("site", "s")], in: "[Queue q]\nthreads = 2") == "[settings]\nsite = s\n\n[Queue q]\nthreads = 2\n")
    }

    @Test func theResultParses() throws {
        let text = ConfigEditor.setting(
            [("site", "lab"), ("api_host", "10.0.0.1"), ("api_port", "8443"), ("api_secure", "true")], in: "[settings]\nthreads = 3\n")
        let configuration = try WorkerConfiguration.parse(text: text, path: "test.conf")
        #expect(configuration.site == "lab" && configuration.apiHost == "10.0.0.1" && configuration.apiPort == 8443)
        #expect(configuration.apiSecure && configuration.threads == 3)
    }

    @Test func hubAddresses() throws {
        let secure = try HubEndpoint(url: "https://hub.example.com")
        #expect(secure == HubEndpoint(secure: true, host: "hub.example.com", port: 443))
        #expect(secure.url == "https://hub.example.com:443")
        let plain = try HubEndpoint(url: "http://10.1.2.3:8000/")
        #expect(plain.settings.map(\.1) == ["10.1.2.3", "8000", "false"])
        let v6 = try HubEndpoint(url: "http://[::1]:8000")
        #expect(v6.host == "::1" && v6.url == "http://[::1]:8000")
        for bad in ["hub", "ftp://hub", "http://hub/api", "http://user:pw@hub", "http://:80", "http://hub:0"] {
            #expect(throws: JoinFailure.self, "\(bad)") { try HubEndpoint(url: bad) }
        }
    }
}
