import Foundation
import Hummingbird
import Logging
import Postgres

/// `/api/pki/`: the hub's certificate authority (docs/pki.md). Workers enrol with `ngenea-worker join`:
/// the node makes its own key, sends a CSR with an administrator's JWT, and gets back a client
/// certificate (CN = node, O = site, clientAuth) and the CA certificate. Private keys never cross the wire.
struct PKIController: Sendable {
    let pool: PostgresPool
    let authority: CertificateAuthorityCache
    let publicURL: PublicURL
    let logger: Logger
    var store: PKIStore { PKIStore(pool: pool) }

    init(pool: PostgresPool, publicURL: PublicURL, logger: Logger = Logger(label: "ngeneahub.pki")) {
        self.pool = pool
        self.publicURL = publicURL
        self.logger = logger
        authority = CertificateAuthorityCache(pool: pool, logger: logger)
    }

    func addRoutes(to api: APIRouter) {
        // Create (or load) the CA at start, not at the first enrolment; a failure here is retried then.
        Task { [authority, logger] in
            do { _ = try await authority.get() } catch { logger.warning("certificate authority not ready yet: \(error)") }
        }
        let tag = "pki"
        api.get("/api/pki/ca/", access: .authenticated, tag: tag, summary: "The hub's root CA certificate (PEM).") { _, _ in
            let pem = try await authority.get().certificatePEM
            return Response(
                status: .ok, headers: [.contentType: "application/x-pem-file"], body: .init(byteBuffer: .init(string: pem)))
        }
        api.post(
            "/api/pki/enrol/", access: .administrator, credentials: .accessToken, tag: tag,
            summary: "Issue a worker node's client certificate from its CSR (ngenea-worker join).",
            body: [
                .string("site", required: true, "An existing site's name; the certificate's O."),
                .string("node", required: true, "The node's name; the certificate's CN."),
                .string("csr", required: true, "PEM PKCS#10 request, RSA >= 2048 or EC >= 256 bits."),
            ]
        ) { request, context in
            try await enrol(request, context)
        }
        api.get(
            "/api/pki/certificates/", access: .model("certificate"), tag: tag,
            summary: "Certificates issued to worker nodes, oldest first.", paginated: true, query: [.string("site")]
        ) { request, context in
            let site = QueryString(request.uri.query)["site"].flatMap { $0.isEmpty ? nil : $0 }
            return try await Paginated.respond(request, context, base: publicURL, count: { try await store.issuedCount(site: site) }) {
                limit, offset in
                try await store.issued(site: site, limit: limit, offset: offset).map(Self.json)
            }
        }
        api.get(
            "/api/pki/lifetime/", access: .model("certificatelifetime"), tag: tag,
            summary: "The certificate lifetime, as a one-element list."
        ) { _, _ in
            JSONResponse(.array([Self.json(try await store.lifetime())]))
        }
        api.get(
            "/api/pki/lifetime/{id}/", access: .model("certificatelifetime"), tag: tag,
            summary: "The lifetime in days of newly issued certificates (id 1)."
        ) { _, context in
            try Self.lifetimeID(context)
            return JSONResponse(Self.json(try await store.lifetime()))
        }
        api.patch(
            "/api/pki/lifetime/{id}/", access: .model("certificatelifetime"), tag: tag,
            summary: "Change the lifetime of newly issued certificates; applies to the next one, no restart.",
            body: [.integer("days", "1 to 36500.")]
        ) { request, context in
            try Self.lifetimeID(context)
            var reader = try await RequestJSON.fields(request)
            let days = reader.int("days")
            if let days, !PKIStore.lifetimeRange.contains(days) {
                reader.fail(
                    "days",
                    days < PKIStore.lifetimeRange.lowerBound
                        ? "Ensure this value is greater than or equal to \(PKIStore.lifetimeRange.lowerBound)."
                        : "Ensure this value is less than or equal to \(PKIStore.lifetimeRange.upperBound).")
            }
            try reader.validate()
            guard let days else { return JSONResponse(Self.json(try await store.lifetime())) }
            return JSONResponse(Self.json(try await store.setLifetime(days: days, by: context.identity?.userID)))
        }
    }

    private func enrol(_ request: Request, _ context: HubRequestContext) async throws -> JSONResponse {
        var reader = try await RequestJSON.fields(request)
        // They become the certificate's O and CN, which X.509 limits to 64 characters.
        let site = reader.string("site", required: true, allowBlank: false, maxLength: 64)
        let node = reader.string("node", required: true, allowBlank: false, maxLength: 64)
        let csrText = reader.string("csr", required: true, allowBlank: false, maxLength: 65536)
        if let node, node.contains(where: \.isNewline) || node.range(of: #"^[A-Za-z0-9][A-Za-z0-9._-]*$"#, options: .regularExpression) == nil {
            reader.fail("node", "Enter a valid node name: letters, numbers, dots, underscores or hyphens.")
        }
        var csr: CertificateRequest?
        if let csrText {
            do { csr = try CertificateRequest(pem: csrText) } catch { reader.fail("csr", error.message) }
        }
        if let site, try await !store.siteExists(site) {
            reader.fail("site", "Site \"\(site)\" does not exist. Create it first (POST /api/sites/).")
        }
        try reader.validate()
        guard let site, let node, let csr else { throw APIError.badRequest("Invalid enrolment request.") }

        let authority = try await authority.get()
        let lifetime = try await store.lifetime()
        let certificate = try authority.issue(csr, site: site, node: node, days: lifetime.days)
        let serial = try certificate.serialHex()
        guard let notBefore = certificate.notBefore, let notAfter = certificate.notAfter else {
            throw OpenSSLError("ASN1_TIME_to_tm")
        }
        try await store.record(
            serial: serial, site: site, node: node, notBefore: notBefore, notAfter: notAfter, by: context.identity?.userID)
        context.logger.info(
            "issued client certificate \(serial) to node \(node) of site \(site), valid until \(APIDate.format(notAfter)), for \(context.identity?.username ?? "?")")
        return JSONResponse(
            status: .created,
            [
                "certificate": .string(try certificate.pem()), "ca": .string(authority.certificatePEM), "site": .string(site),
                "node": .string(node), "serial": .string(serial), "not_after": JSON(notAfter),
            ])
    }

    /// Only row 1 exists (the manual's `/api/pki/lifetime/1/`).
    private static func lifetimeID(_ context: HubRequestContext) throws {
        guard context.pathParameter("id") == "1" else { throw APIError.notFound("CertificateLifetime") }
    }

    static func json(_ lifetime: PKIStore.Lifetime) -> JSON {
        ["days": .int(Int64(lifetime.days)), "updated_at": JSON(lifetime.updatedAt), "updated_by": JSON(lifetime.updatedBy)]
    }

    static func json(_ issued: PKIStore.Issued) -> JSON {
        [
            "id": .int(issued.id), "serial": .string(issued.serial), "site": .string(issued.site), "node": .string(issued.node),
            "not_before": JSON(issued.notBefore), "not_after": JSON(issued.notAfter), "issued_by": JSON(issued.issuedBy),
            "created": JSON(issued.created),
        ]
    }
}
