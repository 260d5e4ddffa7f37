import Foundation
import Hummingbird
import NIOCore
import Shared

/// The request context of every route: JSON in and out with the wire's date format.
struct HubRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    /// The peer's address (the client, or the proxy in front of the hub).
    let remoteAddress: SocketAddress?
    /// Set by `AuthenticationMiddleware` when the request carries valid credentials.
    var identity: Identity?
    /// Set by `AuthenticationMiddleware` when credentials were given but are not valid: non-public routes
    /// answer with it (401), public ones ignore it (a stale token must not block obtaining a new one).
    var authenticationFailure: APIError?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    var responseEncoder: JSONEncoder {
        let encoder = WireCoding.encoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    var requestDecoder: JSONDecoder { WireCoding.decoder() }
}
