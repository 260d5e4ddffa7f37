import Foundation
import Hummingbird
import Shared

/// The request context of every route: JSON in and out with the wire's date format.
struct HubRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage

    init(source: Source) {
        coreContext = .init(source: source)
    }

    var responseEncoder: JSONEncoder {
        let encoder = WireCoding.encoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    var requestDecoder: JSONDecoder { WireCoding.decoder() }
}
