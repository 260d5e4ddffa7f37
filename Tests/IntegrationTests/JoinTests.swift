import Foundation
import Testing

/// `ngenea-worker join` against a real hub, and the hub's CA behind `/api/pki/` (docs/pki.md). The
/// certificates are checked with the `openssl` tool, independently of the hub's own code.
@Suite struct JoinTests {
    static var worker: String { TestEnvironment.executable("ngenea-worker") }
    static var openssl: String {
        ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "openssl"
    }

    /// A scratch directory with the worker's configuration path and PKI directory inside.
    struct Node {
        let root: URL
        var config: String { root.appendingPathComponent("ngenea-worker.conf").path }
        var pki: String { root.appendingPathComponent("pki").path }
        var certificate: (String) -> String { { "\(pki)/certs/\($0).crt" } }
        var key: (String) -> String { { "\(pki)/private/\($0).key" } }
        var ca: String { "\(pki)/certs/ng-hub-ca.crt" }

        static func make() throws -> Node { Node(root: try TestEnvironment.temporaryDirectory("join")) }
        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    static func join(_ node: Node, _ arguments: [String], password: String?) async throws -> (status: Int32, output: String) {
        try await runTool(
            worker, ["join"] + arguments + ["--config", node.config, "--pki-dir", node.pki], input: password.map { $0 + "\n" })
    }

    static func createSite(_ admin: APIClient, _ name: String, shortcode: String) async throws {
        let created = try await admin.post("/api/sites/", ["name": name, "shortcode": shortcode])
        guard created.status == 201 else { throw TestFailure("creating site \(name): \(created.status) \(created.text)") }
    }

    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    static func tool(_ arguments: [String], input: String? = nil) async throws -> String {
        let result = try await runTool(openssl, arguments, input: input)
        guard result.status == 0 else { throw TestFailure("openssl \(arguments.joined(separator: " ")): \(result.output)") }
        return result.output
    }

    /// A CSR for a fresh key, made by the openssl tool.
    static func request(_ keyArguments: [String] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]) async throws -> String {
        // Written to a file: key generation may print progress on the (shared) output.
        let dir = try TestEnvironment.temporaryDirectory("csr")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("req.pem").path
        _ = try await tool(["req", "-new", "-nodes", "-keyout", "/dev/null", "-subj", "/CN=ignored", "-out", path] + keyArguments)
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test func joinStoresCertificateKeyAndCAAndUpdatesTheConfiguration() async throws {
        try await withTestHub { hub in
            let admin = try await hub.admin()
            try await Self.createSite(admin, "lab1", shortcode: "abc")
            let node = try Node.make()
            defer { node.remove() }
            let existing = """
                # site of this node
                [settings]
                site = oldsite
                loglevel = DEBUG
                gpfs_nodes = ["a",
                  "b"]

                [Queue highpriority]
                threads = 4
                """
            try existing.write(toFile: node.config, atomically: true, encoding: .utf8)

            let joined = try await Self.join(
                node, ["--user", TestHub.adminUsername, "--site", "lab1", "--hub", hub.url, "--node", "node-a"],
                password: TestHub.adminPassword)
            #expect(joined.status == 0, "\(joined.output)")
            #expect(!joined.output.contains(TestHub.adminPassword))
            for line in [
                "Authenticated as user admin.", "Client certificate stored at \(node.certificate("lab1"))",
                "Client private key stored at \(node.key("lab1"))", "Root CA stored at \(node.ca)",
            ] {
                #expect(joined.output.contains(line), "missing '\(line)' in:\n\(joined.output)")
            }

            // Files and permissions.
            #expect(try Self.mode(node.key("lab1")) == 0o600)
            #expect(try Self.mode(node.pki + "/private") == 0o700)
            #expect(try Self.mode(node.certificate("lab1")) == 0o644)
            #expect(try Self.mode(node.ca) == 0o644)

            // The certificate chains to the CA, is for node-a of lab1, for client authentication, and
            // matches the key that stayed on the node.
            let verified = try await runTool(Self.openssl, ["verify", "-CAfile", node.ca, "-purpose", "sslclient", node.certificate("lab1")])
            #expect(verified.status == 0 && verified.output.contains(": OK"), "\(verified.output)")
            let subject = try await Self.tool(["x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in", node.certificate("lab1")])
            #expect(subject.contains("CN=node-a") && subject.contains("O=lab1"), "\(subject)")
            let text = try await Self.tool(["x509", "-noout", "-text", "-in", node.certificate("lab1")])
            #expect(text.contains("TLS Web Client Authentication"))
            #expect(text.contains("CA:FALSE"))
            let caText = try await Self.tool(["x509", "-noout", "-text", "-in", node.ca])
            #expect(caText.contains("CA:TRUE") && caText.contains("Certificate Sign"))
            let certificateKey = try await Self.tool(["x509", "-noout", "-pubkey", "-in", node.certificate("lab1")])
            let nodeKey = try await Self.tool(["pkey", "-pubout", "-in", node.key("lab1")])
            #expect(certificateKey == nodeKey)

            // The configuration names the site and the hub, and keeps everything else.
            let config = try String(contentsOfFile: node.config, encoding: .utf8)
            #expect(config.contains("site = lab1") && !config.contains("oldsite"), "\(config)")
            #expect(config.contains("api_host = 127.0.0.1") && config.contains("api_secure = false"), "\(config)")
            #expect(config.contains("node_name = node-a"))
            #expect(config.contains("# site of this node") && config.contains("loglevel = DEBUG"))
            #expect(config.contains("gpfs_nodes = [\"a\",\n  \"b\"]") && config.contains("[Queue highpriority]\nthreads = 4"))
            let check = try await runCommand(Self.worker, ["check-config", "--config", node.config])
            #expect(check.status == 0 && check.output.contains("site lab1, node node-a"), "\(check.output)")

            // The hub serves the same CA and recorded the certificate.
            let ca = try await admin.get("/api/pki/ca/")
            let stored = try String(contentsOfFile: node.ca, encoding: .utf8)
            #expect(ca.status == 200 && ca.text == stored)
            let issued = try await admin.get("/api/pki/certificates/?site=lab1")
            #expect(issued.object["count"] as? Int == 1, "\(issued.text)")
            let first = (issued.object["results"] as? [[String: Any]])?.first
            #expect(first?["node"] as? String == "node-a" && first?["site"] as? String == "lab1")
            let serial = try await Self.tool(["x509", "-noout", "-serial", "-in", node.certificate("lab1")])
            #expect(serial.contains(first?["serial"] as? String ?? "missing"), "\(serial)")

            // Joining again renews: a new certificate, the hub and site from the configuration, one `site` line.
            let again = try await Self.join(node, ["--user", TestHub.adminUsername], password: TestHub.adminPassword)
            #expect(again.status == 0, "\(again.output)")
            let renewed = try await Self.tool(["x509", "-noout", "-serial", "-in", node.certificate("lab1")])
            #expect(renewed != serial)
            let after = try String(contentsOfFile: node.config, encoding: .utf8)
            #expect(after.components(separatedBy: "site = ").count == 2, "\(after)")
            #expect(after.contains("node_name = node-a"))
            return []
        }
    }

    @Test func refusalsNameTheirReason() async throws {
        try await withTestHub { hub in
            let admin = try await hub.admin()
            try await Self.createSite(admin, "lab2", shortcode: "abd")
            _ = try await hub.user("reader", admin: admin)
            let node = try Node.make()
            defer { node.remove() }

            // Wrong password: exit 1, nothing written.
            let wrong = try await Self.join(
                node, ["--user", TestHub.adminUsername, "--site", "lab2", "--hub", hub.url], password: "Wr0ng-Password!")
            #expect(wrong.status == 1, "\(wrong.output)")
            #expect(wrong.output.contains("authentication failed for user admin"), "\(wrong.output)")
            #expect(!wrong.output.contains("Wr0ng-Password!"))
            #expect(!FileManager.default.fileExists(atPath: node.pki))
            #expect(!FileManager.default.fileExists(atPath: node.config))

            // A site the hub does not know.
            let unknown = try await Self.join(
                node, ["--user", TestHub.adminUsername, "--site", "nosuchsite", "--hub", hub.url], password: TestHub.adminPassword)
            #expect(unknown.status == 1, "\(unknown.output)")
            #expect(unknown.output.contains("site:") && unknown.output.contains("nosuchsite"), "\(unknown.output)")
            #expect(!FileManager.default.fileExists(atPath: node.pki + "/private"))

            // Not an administrator.
            let member = try await Self.join(node, ["--user", "reader", "--site", "lab2", "--hub", hub.url], password: "Us3r-Pa55word!")
            #expect(member.status == 1 && member.output.contains("user reader may not enrol workers"), "\(member.output)")
            #expect(!FileManager.default.fileExists(atPath: node.config))
            return ["Wr0ng-Password!", "Us3r-Pa55word!"]
        }
    }

    @Test func unreachableHubAndBadUsage() async throws {
        let node = try Node.make()
        defer { node.remove() }
        let port = try TestEnvironment.freePort()
        let unreachable = try await Self.join(
            node, ["--user", "admin", "--site", "lab", "--hub", "http://127.0.0.1:\(port)"], password: "whatever-1A!")
        #expect(unreachable.status == 1, "\(unreachable.output)")
        #expect(unreachable.output.contains("http://127.0.0.1:\(port)"), "\(unreachable.output)")
        #expect(!unreachable.output.contains("whatever-1A!"))

        let noUser = try await Self.join(node, ["--site", "lab", "--hub", "http://127.0.0.1:\(port)"], password: "x")
        #expect(noUser.status == 2 && noUser.output.contains("--user"), "\(noUser.output)")
        let badURL = try await Self.join(node, ["--user", "admin", "--hub", "ftp://hub"], password: "x")
        #expect(badURL.status == 2 && badURL.output.contains("--hub"), "\(badURL.output)")
        let noHub = try await Self.join(node, ["--user", "admin", "--site", "lab"], password: "x")
        #expect(noHub.status == 2 && noHub.output.contains("api_host"), "\(noHub.output)")
        let badSite = try await Self.join(node, ["--user", "admin", "--site", "bad site", "--hub", "http://127.0.0.1:1"], password: "x")
        #expect(badSite.status == 2 && badSite.output.contains("--site"), "\(badSite.output)")
        let noPassword = try await Self.join(node, ["--user", "admin", "--site", "lab", "--hub", "http://127.0.0.1:1"], password: nil)
        #expect(noPassword.status == 2 && noPassword.output.contains("password"), "\(noPassword.output)")
        #expect(!FileManager.default.fileExists(atPath: node.pki))
    }

    @Test func enrolmentAPIValidatesAndUsesTheLifetime() async throws {
        try await withTestHub { hub in
            let admin = try await hub.admin()
            try await Self.createSite(admin, "lab3", shortcode: "abe")
            let member = try await hub.user("reader", admin: admin)

            // Lifetime: the manual's shape, default 36500 days, PATCH validated and needing the permission.
            let list = try await admin.get("/api/pki/lifetime/")
            let rows = try #require(try list.json() as? [[String: Any]], "\(list.text)")
            #expect(rows.count == 1 && rows.first?["days"] as? Int == 36500)
            let one = try await member.get("/api/pki/lifetime/1/")
            #expect(one.status == 200 && one.object["days"] as? Int == 36500 && one.object.keys.sorted() == ["days", "updated_at", "updated_by"])
            #expect(try await admin.get("/api/pki/lifetime/2/").status == 404)
            #expect(try await member.patch("/api/pki/lifetime/1/", ["days": 30]).status == 403)
            for bad: Any in [0, 36501, -5, "many", 1.5] {
                let refused = try await admin.patch("/api/pki/lifetime/1/", ["days": bad])
                #expect(refused.status == 400 && refused.object["days"] != nil, "\(bad): \(refused.text)")
            }
            let changed = try await admin.patch("/api/pki/lifetime/1/", ["days": 30])
            #expect(changed.status == 200 && changed.object["days"] as? Int == 30, "\(changed.text)")
            #expect(changed.object["updated_by"] as? Int == 1)

            // Enrolment: administrators with a JWT only; bad input names its field.
            let csr = try await Self.request()
            let body: [String: Any] = ["site": "lab3", "node": "n1", "csr": csr]
            #expect(try await member.post("/api/pki/enrol/", body).status == 403)
            let key = try await admin.post("/api/auth/clientkeys/", ["name": "k"])
            let apiKey = try #require(key.object["api_key"] as? String, "\(key.text)")
            #expect(try await hub.api.apiKey(apiKey).post("/api/pki/enrol/", body).status == 403)
            let unknown = try await admin.post("/api/pki/enrol/", ["site": "nope", "node": "n1", "csr": csr])
            #expect(unknown.status == 400 && "\(unknown.object["site"] ?? "")".contains("nope"), "\(unknown.text)")
            let garbage = try await admin.post("/api/pki/enrol/", ["site": "lab3", "node": "n1", "csr": "not a csr"])
            #expect(garbage.status == 400 && garbage.object["csr"] != nil && garbage.object["site"] == nil, "\(garbage.text)")
            let weak = try await Self.request(["-newkey", "rsa:1024"])
            #expect(try await admin.post("/api/pki/enrol/", ["site": "lab3", "node": "n1", "csr": weak]).object["csr"] != nil)
            let badNode = try await admin.post("/api/pki/enrol/", ["site": "lab3", "node": "a/b", "csr": csr])
            #expect(badNode.status == 400 && badNode.object["node"] != nil)
            let missing = try await admin.post("/api/pki/enrol/", [String: Any]())
            #expect(missing.status == 400 && missing.object.keys.sorted() == ["csr", "node", "site"], "\(missing.text)")

            // An RSA CSR is signed too, valid for the 30 days set above.
            let rsa = try await Self.request(["-newkey", "rsa:2048"])
            let issued = try await admin.post("/api/pki/enrol/", ["site": "lab3", "node": "n1", "csr": rsa])
            #expect(issued.status == 201, "\(issued.text)")
            #expect(issued.object["site"] as? String == "lab3")
            let certificate = try #require(issued.object["certificate"] as? String)
            let end = try await Self.tool(["x509", "-noout", "-checkend", "\(29 * 86400)"], input: certificate)
            #expect(end.contains("will not expire"))
            let soon = try await runTool(Self.openssl, ["x509", "-noout", "-checkend", "\(31 * 86400)"], input: certificate)
            #expect(soon.status == 1 && soon.output.contains("will expire"), "\(soon.output)")
            let served = try await admin.get("/api/pki/ca/")
            #expect(issued.object["ca"] as? String == served.text)
            #expect(try await member.get("/api/pki/certificates/").object["count"] as? Int == 1)
            return ["Us3r-Pa55word!", apiKey]
        }
    }

    /// Replicas share one CA: the second hub process serves the first one's certificate.
    @Test func replicasShareTheCA() async throws {
        try await withTestHub { hub in
            let admin = try await hub.admin()
            let first = try await admin.get("/api/pki/ca/")
            let replica = try await hub.startReplica()
            let fromReplica = try await APIClient(base: replica, authorization: admin.authorization).get("/api/pki/ca/")
            #expect(first.status == 200 && first.text.hasPrefix("-----BEGIN CERTIFICATE-----"))
            #expect(first.text == fromReplica.text)
            #expect(!hub.log.contains("PRIVATE KEY"))
            return []
        }
    }
}
