import Shared
import Testing

@testable import Worker

@Suite struct WorkerConfigurationTests {
    func parse(_ text: String) throws(ConfigError) -> WorkerConfiguration {
        try WorkerConfiguration.parse(text: text, path: "/etc/ngenea/ngenea-worker.conf", environment: ["NGENEA_NODE_NAME": "n1"])
    }

    func pools(_ config: WorkerConfiguration) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: config.pools.map { ($0.queue.description, $0.threads) })
    }

    /// The manual's base config (L6769-6805) with a custom queue (L7339-7344).
    @Test func manualExample() throws {
        let config = try parse(
            """
            [settings]
            site = london
            api_host = hub.example.com
            api_port = 8000

            [Queue highpriority]
            threads = 4
            """)
        #expect(config.site == "london")
        #expect(config.apiPort == 8000)
        #expect(config.redis.url == "redis://hub.example.com:6379/0")
        #expect(config.apiSecure == true)
        #expect(config.enablePlugins == false)
        let pools = pools(config)
        #expect(pools["london.default#worker"] == 10)
        #expect(pools["london.default#interactive"] == 10)
        #expect(pools["london.default#settings"] == 10)
        #expect(pools["london.highpriority#worker"] == 4)
        #expect(pools["london.highpriority#custom"] == 4)
        #expect(pools["london.highpriority#interactive"] == nil)
        #expect(pools.count == 5 + 3)
    }

    /// Inheritance queue -> settings -> 10, disabled functions, inline JSON (L9899-10005).
    @Test func inheritanceAndDisabledFunctions() throws {
        let config = try parse(
            """
            [settings]
            site = london
            api_host = hub
            threads = 6
            discovery = {"threads": 2}
            interactive = false
            gpfs_nodes = ["node1", "node2"]

            [Queue bulk]
            custom = false
            worker = {"threads": 12}
            """)
        let pools = pools(config)
        #expect(pools["london.default#worker"] == 6)
        #expect(pools["london.default#discovery"] == 2)
        #expect(pools["london.default#interactive"] == nil)
        #expect(pools["london.bulk#worker"] == 12)
        #expect(pools["london.bulk#discovery"] == 6)
        #expect(pools["london.bulk#custom"] == nil)
        #expect(config.gpfsNodes == ["node1", "node2"])
    }

    @Test func brokerURLAndPasswordAndDebug() throws {
        let config = try WorkerConfiguration.parse(
            text: "[settings]\nsite = s\napi_host = h\nredis_host = r.example\nredis_port = 6380\nredis_password = p@ss word\n",
            path: "/x.conf", environment: ["DYNAMO_DEBUG": "true"])
        #expect(config.redis.url == "redis://:p%40ss%20word@r.example:6380/0")
        #expect(config.logLevel == "DEBUG")
        let override = try parse("[settings]\nsite = s\napi_host = h\nbroker_url = redis://10.0.0.1:7000/2\n")
        #expect(override.redis.url == "redis://10.0.0.1:7000/2")
    }

    /// Broken files stop start-up with the file, line and key named.
    @Test(arguments: [
        ("[settings]\nsite = london\n", "/etc/ngenea/ngenea-worker.conf:1: api_host: required setting is missing"),
        ("[settings]\nsite = london\napi_host = h\nthreads = many\n", "/etc/ngenea/ngenea-worker.conf:4: threads: 'many' is not a whole number"),
        ("[settings]\nsite = london\napi_host = h\nthreads = 0\n", "/etc/ngenea/ngenea-worker.conf:4: threads: 0 is out of range 1...1024"),
        ("[settings]\nsite = london\napi_host = h\ncolour = blue\n", "/etc/ngenea/ngenea-worker.conf:4: colour: unknown setting"),
        ("[settings]\nsite = lon.don\napi_host = h\n", "/etc/ngenea/ngenea-worker.conf:2: site: site name 'lon.don' may contain only letters, digits, '_' and '-'"),
        ("site = london\n", "/etc/ngenea/ngenea-worker.conf:1: site: 'site' appears before any [section]"),
        ("[settings\nsite = x\n", "/etc/ngenea/ngenea-worker.conf:1: malformed section header '[settings'"),
        ("[settings]\nsite = a\napi_host = h\nworker = {\"threads\": x}\n", "/etc/ngenea/ngenea-worker.conf:4: worker: '{\"threads\": x}' must be false or a JSON object like {\"threads\": 4}"),
        ("[settings]\nsite = a\napi_host = h\n[Queue fast]\ninteractive = false\n", "/etc/ngenea/ngenea-worker.conf:5: interactive: 'interactive' exists on the default queue only"),
        ("[settings]\nsite = a\napi_host = h\n[Workers]\n", "/etc/ngenea/ngenea-worker.conf:4: unknown section [Workers] (expected [settings] or [Queue <name>])"),
        ("[settings]\nsite = a\nsite = b\n", "/etc/ngenea/ngenea-worker.conf:3: site: 'site' is set twice in [settings]"),
        ("[settings]\nsite = a\napi_host = h\nloglevel = LOUD\n", "/etc/ngenea/ngenea-worker.conf:4: loglevel: 'LOUD' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("", "/etc/ngenea/ngenea-worker.conf: missing [settings] section"),
    ])
    func brokenConfigsNameFileLineAndKey(text: String, message: String) {
        #expect(throws: ConfigError.self) { try parse(text) }
        do {
            _ = try parse(text)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func continuationLinesExtendInlineJSON() throws {
        let config = try parse(
            """
            [settings]
            site = s
            api_host = h
            commands = {"ngmigrate": "/opt/bin/ngmigrate",
                        "ngrecall": "/opt/bin/ngrecall"}
            """)
        #expect(config.commands == ["ngmigrate": "/opt/bin/ngmigrate", "ngrecall": "/opt/bin/ngrecall"])
    }
}

/// The settings tasks' keys (docs/worker.md): defaults, values, and errors naming file, line and key.
@Suite struct WorkerSiteSettingsConfigurationTests {
    func parse(_ extra: String) throws(ConfigError) -> WorkerConfiguration {
        try WorkerConfiguration.parse(
            text: "[settings]\nsite = s\napi_host = h\n" + extra, path: "/etc/ngenea/ngenea-worker.conf",
            environment: ["NGENEA_NODE_NAME": "n1"])
    }

    @Test func defaultsAndValues() throws {
        let defaults = try parse("")
        #expect(defaults.siteSettingsFile == "/etc/ngenea/site-settings.json")
        #expect(defaults.settingsApplyCommand == nil)
        let set = try parse(
            "site_settings_file = /var/lib/ngenea/settings.json\nsettings_apply_command = [\"/usr/local/bin/apply-settings\", \"--all\"]\n")
        #expect(set.siteSettingsFile == "/var/lib/ngenea/settings.json")
        #expect(set.settingsApplyCommand == ["/usr/local/bin/apply-settings", "--all"])
        let options = SiteSettingsOptions(set)
        #expect(options.file == set.siteSettingsFile && options.applyCommand == set.settingsApplyCommand && options.nodeName == "n1")
    }

    @Test(arguments: [
        ("site_settings_file = settings.json\n", "/etc/ngenea/ngenea-worker.conf:4: site_settings_file: 'settings.json' must be an absolute path"),
        ("settings_apply_command = /usr/local/bin/apply-settings --all\n",
         "/etc/ngenea/ngenea-worker.conf:4: settings_apply_command: '/usr/local/bin/apply-settings --all' must be a JSON list of strings, program first, e.g. [\"/usr/local/bin/apply-settings\"]"),
        ("settings_apply_command = []\n",
         "/etc/ngenea/ngenea-worker.conf:4: settings_apply_command: '[]' must be a JSON list of strings, program first, e.g. [\"/usr/local/bin/apply-settings\"]"),
    ])
    func badValuesNameFileLineAndKey(text: String, message: String) {
        do {
            _ = try parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description == message)
        }
    }
}
