import Foundation

/// Checks a JWT's RS256 signature against a JWK with the `openssl` command-line tool, independently of
/// the hub's own code: the JWK's n and e become a DER public key (`asn1parse -genconf`), then
/// `openssl dgst -sha256 -verify` checks the signature over `header.payload`.
enum OpenSSLVerifier {
    static func verify(token: String, jwk: [String: Any]) async throws -> Bool {
        guard let n = jwk["n"] as? String, let e = jwk["e"] as? String,
            let modulus = base64URLDecode(n), let exponent = base64URLDecode(e)
        else { throw TestFailure("JWK without n/e: \(jwk)") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let signature = base64URLDecode(String(parts[2])) else { throw TestFailure("not a JWT") }
        let dir = try TestEnvironment.temporaryDirectory("jwks")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = """
            asn1=SEQUENCE:pubkeyinfo
            [pubkeyinfo]
            algorithm=SEQUENCE:rsa_alg
            pubkey=BITWRAP,SEQUENCE:rsapubkey
            [rsa_alg]
            algorithm=OID:rsaEncryption
            parameter=NULL
            [rsapubkey]
            n=INTEGER:0x\(hex(modulus))
            e=INTEGER:0x\(hex(exponent))
            """
        try config.write(to: dir.appendingPathComponent("key.conf"), atomically: true, encoding: .utf8)
        try Data((parts[0] + "." + parts[1]).utf8).write(to: dir.appendingPathComponent("input"))
        try signature.write(to: dir.appendingPathComponent("signature"))
        let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "openssl"
        let der = try await runTool(
            openssl, ["asn1parse", "-genconf", dir.appendingPathComponent("key.conf").path, "-out", dir.appendingPathComponent("key.der").path, "-noout"])
        guard der.status == 0 else { throw TestFailure("openssl asn1parse: \(der.output)") }
        let pem = try await runTool(
            openssl, ["pkey", "-pubin", "-inform", "DER", "-in", dir.appendingPathComponent("key.der").path, "-out", dir.appendingPathComponent("key.pem").path])
        guard pem.status == 0 else { throw TestFailure("openssl pkey: \(pem.output)") }
        let check = try await runTool(
            openssl,
            ["dgst", "-sha256", "-verify", dir.appendingPathComponent("key.pem").path, "-signature", dir.appendingPathComponent("signature").path,
             dir.appendingPathComponent("input").path])
        return check.status == 0 && check.output.contains("Verified OK")
    }

    static func base64URLDecode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    static func hex(_ data: Data) -> String { data.map { String(format: "%02X", $0) }.joined() }
}
