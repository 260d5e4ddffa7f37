import HTTPTypes
import Foundation
import Hummingbird
import NIOCore

/// The client's address for throttling: the peer, or, when the peer is a trusted proxy
/// (`NGENEAHUB_TRUSTED_PROXIES`), the right-most `X-Forwarded-For` entry that is not itself a trusted
/// proxy. Entries further left are client-controlled and never trusted.
enum ClientAddress {
    static func resolve(request: Request, peer: SocketAddress?, trustedProxies: Set<String>) -> String {
        let peerIP = peer?.ipAddress ?? "unknown"
        guard trustedProxies.contains(peerIP), let name = HTTPField.Name("X-Forwarded-For") else { return peerIP }
        let chain = request.headers[values: name].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return chain.reversed().first { !trustedProxies.contains($0) } ?? peerIP
    }
}
