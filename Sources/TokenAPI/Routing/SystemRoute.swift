public import HTTPTypes

/// A route outside the API, at the root's `/-/`: the forward-auth gate, the health checks and
/// the metrics. Matched on the raw path, undecoded: the gate reads its scopes from the path
/// itself, and `/-/health/` is not `/-/health`.
public struct SystemRoute: Sendable {
    /// What part of the path the route claims.
    public enum Pattern: Sendable, Equatable {
        /// Exactly this path (`/-/health`).
        case exact(String)
        /// Every path starting with this (`/-/auth/` for the gate's scopes, `/-/` for the rest).
        case prefix(String)
    }

    /// Answers a request with the service's dependencies; never throws (the route words its own
    /// failures). The answer's telemetry route is the route's template.
    public typealias Handler = @Sendable (APIRequest, APIDependencies) -> Answer

    public let pattern: Pattern
    /// The methods it answers, HEAD included with GET; any other gets 405 with `Allow`. Nil:
    /// the handler answers every method itself (the gate, whose 405 is in its own words).
    public let methods: [HTTPRequest.Method]?
    /// The template for logs and metrics: never what the client sent (`/-/*` for unknown paths).
    public let template: String
    /// Whether the answer may depend on the body. The gate's never does, so a transport need
    /// not read (or limit) it there.
    public let readsBody: Bool
    let handler: Handler

    public init(
        _ pattern: Pattern, methods: [HTTPRequest.Method]?, template: String, readsBody: Bool = true,
        _ handler: @escaping Handler
    ) {
        self.pattern = pattern
        self.methods = methods.map { methods in methods.contains(.get) && !methods.contains(.head) ? methods + [.head] : methods }
        self.template = template
        self.readsBody = readsBody
        self.handler = handler
    }

    /// The route for every other `/-/` path (404), which the pages' `/-/user_settings/…` precede.
    var isCatchAll: Bool { pattern == .prefix(Self.root) }

    /// The prefix every system path starts with.
    static let root = "/-/"
}
