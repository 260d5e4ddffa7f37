import Foundation

/// The node's private key and its certificate signing request, made by the `openssl` tool on this node
/// (the worker does not link OpenSSL itself). The key stays in memory and on this node: the hub only
/// ever sees the CSR. Both are passed through pipes, never through temporary files.
struct NodeKey {
    /// PKCS#8 PEM. Secret: written 0600, never printed.
    var privateKeyPEM: String
    var requestPEM: String

    /// An EC P-256 key and a CSR for it with subject O = site, CN = node (the hub sets the certificate's
    /// subject itself; this one only documents the request).
    static func generate(site: String, node: String, openssl: String) throws(JoinFailure) -> NodeKey {
        let key = try run(openssl, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], input: nil)
        guard key.contains("PRIVATE KEY-----") else { throw .failed("\(openssl) genpkey did not produce a key") }
        let request = try run(openssl, ["req", "-new", "-sha256", "-key", "/dev/stdin", "-subj", "/O=\(site)/CN=\(node)"], input: key)
        guard request.contains("CERTIFICATE REQUEST-----") else { throw .failed("\(openssl) req did not produce a request") }
        return NodeKey(privateKeyPEM: key, requestPEM: request)
    }

    /// The `openssl` to run: the configuration's `commands` entry, else the first on PATH, else /usr/bin.
    static func locateOpenSSL(commands: [String: String]) -> String {
        if let configured = commands["openssl"] { return configured }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(directory)/openssl") {
            return "\(directory)/openssl"
        }
        return "/usr/bin/openssl"
    }

    /// Runs `openssl` with `input` on its standard input; its standard output, or a failure with its
    /// error output (which never contains key material: the tool reports reasons, not data).
    private static func run(_ executable: String, _ arguments: [String], input: String?) throws(JoinFailure) -> String {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw .failed("\(executable) not found: the openssl tool makes the node's key and certificate request (install openssl, or set commands = {\"openssl\": \"/path\"} in [settings])")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do { try process.run() } catch { throw .failed("cannot run \(executable): \(error.localizedDescription)") }
        // Read both outputs while the tool runs, so neither pipe can fill up and stall it.
        let outputs = DispatchGroup()
        let out = Collected(), err = Collected()
        DispatchQueue.global().async(group: outputs) { out.data = stdout.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: outputs) { err.data = stderr.fileHandleForReading.readDataToEndOfFile() }
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        outputs.wait()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let reason = String(decoding: err.data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw .failed("\(executable) \(arguments.first ?? "") failed (exit \(process.terminationStatus)): \(reason)")
        }
        return String(decoding: out.data, as: UTF8.self)
    }
}

/// One pipe's output, written by one reader thread and read after `DispatchGroup.wait` (which orders the
/// two), hence `@unchecked Sendable`.
private final class Collected: @unchecked Sendable {
    var data = Data()
}
