import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The two calls `join` makes to the hub's REST API (docs/api.md, docs/pki.md): a JWT for the
/// administrator, then the enrolment of the node's CSR. Errors are turned into messages an administrator
/// can act on; neither the password nor the token is ever part of one.
struct HubEnrolmentClient {
    let hub: HubEndpoint
    private let session: URLSession

    struct Enrolment {
        var certificatePEM: String
        var caPEM: String
        var site: String
        var serial: String?
        var notAfter: String?
    }

    init(hub: HubEndpoint) {
        self.hub = hub
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration)
    }

    /// `POST /api/auth/token/`: the access token, or why not (wrong password, locked out, not a hub).
    func accessToken(user: String, password: String) async throws(JoinFailure) -> String {
        let (status, body) = try await post("/api/auth/token/", ["username": user, "password": password], token: nil)
        switch status {
        case 200:
            guard let access = body["access"] as? String else { throw unexpected(status, body) }
            return access
        case 401: throw .failed("authentication failed for user \(user): wrong username or password, or the account is inactive")
        case 429: throw .failed("authentication failed for user \(user): \(detail(body) ?? "too many failed logins; try again later")")
        default: throw unexpected(status, body)
        }
    }

    /// `POST /api/pki/enrol/`: the node's certificate and the hub's CA.
    func enrol(site: String, node: String, csr: String, token: String, user: String) async throws(JoinFailure) -> Enrolment {
        let (status, body) = try await post("/api/pki/enrol/", ["site": site, "node": node, "csr": csr], token: token)
        switch status {
        case 201:
            guard let certificate = body["certificate"] as? String, let ca = body["ca"] as? String else { throw unexpected(status, body) }
            return Enrolment(
                certificatePEM: certificate, caPEM: ca, site: body["site"] as? String ?? site, serial: body["serial"] as? String,
                notAfter: body["not_after"] as? String)
        case 400: throw .failed(fieldErrors(body))
        case 403: throw .failed("user \(user) may not enrol workers: join needs a hub administrator's account")
        case 404: throw .failed("the hub at \(hub.url) does not offer /api/pki/enrol/ (is it an Ngenea Hub of a matching version?)")
        default: throw unexpected(status, body)
        }
    }

    private func post(_ path: String, _ json: [String: String], token: String?) async throws(JoinFailure) -> (Int, [String: Any]) {
        guard let url = URL(string: hub.url + path) else { throw .usage("'\(hub.url)' is not a usable hub address") }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        do {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
        } catch {
            throw .failed("cannot encode the request to \(path)")
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw .failed("cannot reach the hub at \(hub.url): \(Self.reason(error))")
        }
        guard let http = response as? HTTPURLResponse else { throw .failed("the hub at \(hub.url) did not answer over HTTP") }
        let object = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
        return (http.statusCode, object)
    }

    private func detail(_ body: [String: Any]) -> String? { body["detail"] as? String }

    /// A DRF validation body as `field: message` lines (`site: Site "x" does not exist...`).
    private func fieldErrors(_ body: [String: Any]) -> String {
        if let detail = detail(body) { return "the hub refused the enrolment: \(detail)" }
        let lines = body.keys.sorted().map { key -> String in
            let messages = (body[key] as? [Any])?.compactMap { $0 as? String } ?? [String(describing: body[key] ?? "")]
            return "\(key): \(messages.joined(separator: " "))"
        }
        return lines.isEmpty ? "the hub refused the enrolment (HTTP 400)" : lines.joined(separator: "; ")
    }

    private func unexpected(_ status: Int, _ body: [String: Any]) -> JoinFailure {
        .failed("the hub at \(hub.url) answered HTTP \(status)" + (detail(body).map { ": \($0)" } ?? ""))
    }

    private static func reason(_ error: any Error) -> String {
        guard let error = error as? URLError else { return error.localizedDescription }
        switch error.code {
        case .cannotConnectToHost: return "connection refused (is the hub running, and is the port right?)"
        case .cannotFindHost, .dnsLookupFailed: return "unknown host name"
        case .timedOut: return "no answer within 30 seconds"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
            .serverCertificateHasUnknownRoot:
            return "TLS failed (the hub's certificate must be trusted by this node; use http:// only if api_secure = false is intended)"
        default: return error.localizedDescription
        }
    }
}
