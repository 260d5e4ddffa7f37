import Foundation
import Testing

@testable import HubServer

/// The hub's CA and certificate issuing, without a database. CSRs come from the `openssl` tool, and the
/// results are read back both through the hub's wrappers and with `openssl x509 -text`.
@Suite struct PKITests {
    static let openssl =
        ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/openssl"

    /// Runs openssl with `input` on stdin; stdout (stderr discarded).
    static func openssl(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func request(_ key: [String] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]) throws -> String {
        let made = try openssl(["req", "-new", "-nodes", "-keyout", "/dev/null", "-subj", "/CN=whatever/O=other"] + key)
        #expect(made.status == 0)
        return made.output
    }

    static let authority: CertificateAuthority = {
        do { return try CertificateAuthority.generate() } catch { fatalError("CA generation: \(error)") }
    }()

    @Test func theRootIsASelfSignedCA() throws {
        let ca = Self.authority
        #expect(ca.certificate.commonName == "Ngenea Hub Root CA")
        #expect(ca.certificate.isSigned(by: ca.certificate))
        let notAfter = try #require(ca.certificate.notAfter)
        #expect(notAfter > Date().addingTimeInterval(36500 * 86400))
        let text = try Self.openssl(["x509", "-noout", "-text"], input: ca.certificatePEM).output
        #expect(text.contains("X509v3 Basic Constraints: critical\n                CA:TRUE"), "\(text)")
        #expect(text.contains("X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign"), "\(text)")
        #expect(text.contains("X509v3 Subject Key Identifier") && text.contains("X509v3 Authority Key Identifier"))
        #expect(text.contains("Version: 3"))
        #expect(!ca.certificatePEM.contains("PRIVATE KEY"))
    }

    @Test func storedFormsRoundTripAndAMismatchedKeyIsRefused() throws {
        let ca = Self.authority
        let reloaded = try CertificateAuthority(
            key: try PKIKey(privateKeyPEM: try ca.key.privateKeyPEM()), certificate: try X509Certificate(pem: ca.certificatePEM))
        #expect(reloaded.certificatePEM == ca.certificatePEM)
        #expect(throws: OpenSSLError.self) {
            try CertificateAuthority(key: try PKIKey.generateEC(), certificate: try X509Certificate(pem: ca.certificatePEM))
        }
        #expect(throws: OpenSSLError.self) { try X509Certificate(pem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n") }
    }

    @Test(arguments: [["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], ["-newkey", "rsa:2048"]])
    func issuesClientCertificatesFromCSRs(key: [String]) throws {
        let ca = Self.authority
        let request = try CertificateRequest(pem: try Self.request(key))
        let issued = try ca.issue(request, site: "site1", node: "node-7", days: 10)
        // The hub's subject, not the CSR's.
        #expect(issued.commonName == "node-7")
        #expect(issued.organization == "site1")
        #expect(issued.isSigned(by: ca.certificate))
        #expect(!issued.isSigned(by: issued))
        let notAfter = try #require(issued.notAfter), notBefore = try #require(issued.notBefore)
        #expect(abs(notAfter.timeIntervalSinceNow - 10 * 86400) < 120)
        #expect(notBefore < Date())
        #expect(try issued.serialHex().count == 32)
        #expect(try issued.serialHex() != (try ca.issue(request, site: "site1", node: "node-7", days: 10).serialHex()))
        let text = try Self.openssl(["x509", "-noout", "-text"], input: try issued.pem()).output
        #expect(text.contains("TLS Web Client Authentication") && text.contains("CA:FALSE"), "\(text)")
        #expect(text.contains("X509v3 Key Usage: critical\n                Digital Signature"), "\(text)")
    }

    @Test func aCertificateNeverOutlivesItsCA() throws {
        let ca = Self.authority
        let issued = try ca.issue(try CertificateRequest(pem: try Self.request()), site: "s", node: "n", days: 40000)
        #expect(issued.notAfter == ca.certificate.notAfter)
    }

    @Test func badRequestsAreRefusedWithAReason() throws {
        func reason(_ pem: String) -> String? {
            do {
                _ = try CertificateRequest(pem: pem)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(reason("hello")?.contains("PEM") == true)
        #expect(reason(Self.authority.certificatePEM)?.contains("PEM") == true)
        #expect(reason("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")?.contains("parsed") == true)
        #expect(reason(try Self.request(["-newkey", "rsa:1024"]))?.contains("2048") == true)

        // A CSR whose content was changed after signing: its signature no longer verifies.
        let good = try Self.request()
        let der = try #require(Data(base64Encoded: good.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()))
        let subject = try #require(der.range(of: Data("whatever".utf8)))
        var tampered = der
        tampered.replaceSubrange(subject, with: Data("whatevel".utf8))
        let pem = "-----BEGIN CERTIFICATE REQUEST-----\n" + tampered.base64EncodedString(options: .lineLength64Characters)
            + "\n-----END CERTIFICATE REQUEST-----\n"
        #expect(reason(pem)?.contains("signature") == true)
        #expect(reason(good) == nil)
    }

    @Test func extensionEncodings() {
        #expect(DER.subjectKeyIdentifier([1, 2]) == [0x04, 0x02, 1, 2])
        #expect(DER.authorityKeyIdentifier([1, 2]) == [0x30, 0x04, 0x80, 0x02, 1, 2])
    }
}
