import ArgumentParser
import Foundation
import Shared

extension WorkerCommand {
    /// `ngenea-worker join --user U [--site S]` (manual L6817-6850, L7369-7372): enrols this node with the
    /// hub's CA using an administrator's credentials, stores the client certificate, its key and the root
    /// CA, and points the worker configuration at the site and hub. Run again to renew.
    struct Join: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register this node with the hub and store its client certificate (needs a hub administrator).",
            discussion: """
                Asks for the administrator's password without echo on a terminal; otherwise reads it from the first \
                line of standard input: echo "$PASSWORD" | ngenea-worker join --user hubadmin --site onprem
                """)

        @Option(help: "A hub administrator's username.") var user: String?
        @Option(help: "The site to join (created on the hub first); default: the configuration's site, else the host name.")
        var site: String?
        @Option(help: "The hub, http[s]://host[:port]; default: api_host, api_port and api_secure of the configuration.")
        var hub: String?
        @Option(help: "This node's name (the certificate's CN); default: node_name, $NGENEA_NODE_NAME, else the host name.")
        var node: String?
        @Flag(help: "Allow a plain-http hub that is not on this machine (the password would cross the network in clear).")
        var insecure = false
        @Option(help: "Where certificates and keys are stored (certs/ and private/ below it).")
        var pkiDir: String = "/etc/pki/tls"
        @OptionGroup var config: ConfigOption

        func run() async throws {
            do {
                try await join()
            } catch {
                throw error.exit()
            }
        }

        private func join() async throws(JoinFailure) {
            guard let user = user?.trimmingWhitespace(), !user.isEmpty else {
                throw .usage("--user is required: the username of a hub administrator")
            }
            let existing = try ExistingConfiguration.read(path: config.path)
            let endpoint: HubEndpoint
            if let hub {
                endpoint = try HubEndpoint(url: hub)
            } else if let configured = existing.hub {
                endpoint = configured
            } else {
                throw .usage("which hub? Give --hub http[s]://host[:port], or set api_host in [settings] of \(config.path)")
            }
            if !endpoint.secure && !insecure && !["127.0.0.1", "::1", "localhost"].contains(endpoint.host) {
                throw .usage("the hub \(endpoint.url) is plain http: the administrator's password would cross the network in clear; use https, or --insecure")
            }
            let site = site ?? existing.site ?? Self.shortHostName()
            do { try QueueName.validate(part: "site", site) } catch { throw .usage("--site: \(error.reason)") }
            let node = node ?? existing.nodeName ?? ProcessInfo.processInfo.environment["NGENEA_NODE_NAME"]
                ?? WorkerConfiguration.hostName()
            guard !node.contains(where: \.isNewline), node.range(of: #"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"#, options: .regularExpression) != nil else {
                throw .usage("node name '\(node)' is not valid: up to 64 letters, numbers, dots, underscores or hyphens (give --node)")
            }
            guard pkiDir.hasPrefix("/") else { throw .usage("--pki-dir must be an absolute path") }

            let password = try PasswordReader.read(user: user)
            let client = HubEnrolmentClient(hub: endpoint)
            say("Attempting to auth the hub using the provided credentials...")
            let token = try await client.accessToken(user: user, password: password)
            say("Authenticated as user \(user).")

            // The key is made here and stays here; the hub signs only its CSR.
            let key = try NodeKey.generate(site: site, node: node, openssl: NodeKey.locateOpenSSL(commands: existing.commands))
            let enrolment = try await client.enrol(site: site, node: node, csr: key.requestPEM, token: token, user: user)

            let certs = "\(pkiDir)/certs", privateDir = "\(pkiDir)/private"
            let certificatePath = "\(certs)/\(site).crt", keyPath = "\(privateDir)/\(site).key", caPath = "\(certs)/ng-hub-ca.crt"
            say("Storing the client certificates for the worker...")
            try SecureFiles.directory(certs, mode: 0o755)
            try SecureFiles.directory(privateDir, mode: 0o700)
            try SecureFiles.write(Array(key.privateKeyPEM.utf8), to: keyPath, mode: 0o600)
            try SecureFiles.write(Array(enrolment.certificatePEM.utf8), to: certificatePath, mode: 0o644)
            say("Client certificate stored at \(certificatePath)")
            say("Client private key stored at \(keyPath)")
            say("Storing the root CA for NgeneaHub...")
            try SecureFiles.write(Array(enrolment.caPEM.utf8), to: caPath, mode: 0o644)
            say("Root CA stored at \(caPath)")
            if let serial = enrolment.serial {
                say("Node \(node) of site \(site) enrolled: certificate \(serial)" + (enrolment.notAfter.map { ", valid until \($0)" } ?? ""))
            }

            try updateConfiguration(existing, site: site, endpoint: endpoint)
        }

        /// Writes `site` (and, when given on the command line, the hub and node name) into `[settings]`,
        /// keeping the rest of the file; creates the file when there is none.
        private func updateConfiguration(_ existing: ExistingConfiguration, site: String, endpoint: HubEndpoint) throws(JoinFailure) {
            var values: [(key: String, value: String)] = [("site", site)]
            if hub != nil || !existing.exists { values += endpoint.settings.map { (key: $0.0, value: $0.1) } }
            if let node { values.append(("node_name", node)) }
            let text = ConfigEditor.setting(values, in: existing.text ?? "")
            if !existing.exists {
                try SecureFiles.directory((existing.path as NSString).deletingLastPathComponent, mode: 0o755, private: false)
            }
            try SecureFiles.write(Array(text.utf8), to: existing.path, mode: SecureFiles.mode(of: existing.path) ?? 0o644)
            say("Worker configuration \(existing.exists ? "updated" : "written"): \(existing.path) (site = \(site))")
            say("Start the worker: systemctl enable --now ngenea-worker")
        }

        private func say(_ line: String) { print(line) }

        /// The host name up to its first dot: site names allow no dots.
        static func shortHostName() -> String {
            String(WorkerConfiguration.hostName().split(separator: ".").first ?? "localhost")
        }
    }
}
