public import HTTPTypes

/// A handler of a route that needs a caller: turns a request with its authenticated context into
/// a response. Domain errors it throws are mapped by ``ErrorMapping`` in the route's ``ErrorStyle``.
public typealias Handler = @Sendable (AuthenticatedContext) throws -> APIResponse

/// A handler of a route that also serves anonymous callers (or never looks at a token): its
/// context's caller may be nil.
public typealias AnonymousHandler = @Sendable (RequestContext) throws -> APIResponse

/// One endpoint: method, path pattern (`:name` segments are captures), scopes, how it
/// authenticates, how its errors read, and its handler.
public struct Route: Sendable {
    /// Who may call a route.
    public enum Access: Sendable {
        /// A valid token is required.
        case authenticated
        /// Anonymous callers are served too, but a presented token is still authenticated (and a
        /// bad one refused): GitLab's public projects and groups.
        case anonymousAllowed
        /// No token is looked at (`/openapi.json`).
        case open
    }

    /// Who may call a route whose handler takes a ``RequestContext``: there is no way to declare
    /// such a route ``Access/authenticated``.
    public enum AnonymousAccess: Sendable {
        case anonymousAllowed
        case open
    }

    /// The handler, typed by the context it needs.
    enum Action: Sendable {
        case authenticated(Handler)
        case anonymous(AnonymousHandler)
    }

    public var method: HTTPRequest.Method
    /// The route template, for logs and metrics (`/personal_access_tokens/:id`).
    public let template: String
    let segments: [Segment]
    public var scopes: EndpointScopes
    /// Follows from the handler's type.
    public let access: Access
    public var errorStyle: ErrorStyle
    /// Whether presenting a revoked token here revokes its family (a rotate endpoint).
    public var reuseDetection: ReuseDetection
    let action: Action

    /// A route that needs a caller: its handler gets an ``AuthenticatedContext``.
    public init(
        _ method: HTTPRequest.Method, _ path: String, scopes: EndpointScopes = .api, errors: ErrorStyle = .fieldMap,
        reuseDetection: ReuseDetection = .none, _ handler: @escaping Handler
    ) {
        self.init(method, path, scopes: scopes, access: .authenticated, errors: errors, reuseDetection: reuseDetection, .authenticated(handler))
    }

    /// A route that serves anonymous callers too, or never looks at a token: its handler gets a
    /// ``RequestContext`` whose caller may be nil.
    public init(
        _ method: HTTPRequest.Method, _ path: String, scopes: EndpointScopes = .api, access: AnonymousAccess,
        errors: ErrorStyle = .fieldMap, _ handler: @escaping AnonymousHandler
    ) {
        let access: Access = access == .open ? .open : .anonymousAllowed
        self.init(method, path, scopes: scopes, access: access, errors: errors, reuseDetection: .none, .anonymous(handler))
    }

    private init(
        _ method: HTTPRequest.Method, _ path: String, scopes: EndpointScopes, access: Access, errors: ErrorStyle,
        reuseDetection: ReuseDetection, _ action: Action
    ) {
        self.method = method
        let parts = path.split(separator: "/")
        self.template = "/" + parts.joined(separator: "/")
        self.segments = parts.map { $0.hasPrefix(":") ? .capture($0.dropFirst()) : .literal(String($0)) }
        self.scopes = scopes
        self.access = access
        self.errorStyle = errors
        self.reuseDetection = reuseDetection
        self.action = action
    }

    /// GitLab's automatic reuse detection, on rotate endpoints.
    public enum ReuseDetection: Sendable, Equatable {
        case none
        /// `…/self/rotate`: always.
        case always
        /// `…/:capture/rotate`: when the capture names a token (a number), not for `…/abc/rotate`.
        case whenNumeric(String)

        /// Whether this request's path makes the route detect reuse.
        func applies(to path: PathParameters) throws(HTTPError) -> Bool {
            switch self {
            case .none: return false
            case .always: return true
            case .whenNumeric(let capture): return try path.integer(capture) != nil
            }
        }
    }

    enum Segment: Sendable {
        case literal(String)
        case capture(Substring)
    }

    /// The names of the route's captures, in order.
    public var captureNames: [String] {
        segments.compactMap { if case .capture(let name) = $0 { return String(name) } else { return nil } }
    }

    /// True when the path has this route's shape (no allocation).
    func matches(_ path: [String]) -> Bool {
        guard path.count == segments.count else { return false }
        for (segment, part) in zip(segments, path) {
            switch segment {
            case .literal(let text): if text != part { return false }
            case .capture: if part.isEmpty { return false }
            }
        }
        return true
    }

    /// The captures of a path this route matches.
    func parameters(of path: [String]) -> PathParameters {
        var values: [(name: Substring, value: String)] = []
        for (segment, part) in zip(segments, path) {
            if case .capture(let name) = segment { values.append((name, part)) }
        }
        return PathParameters(values)
    }

    /// Literal segments beat captures, leftmost first: `/self` wins over `/:id`.
    func isMoreSpecific(than other: Route) -> Bool {
        for (a, b) in zip(segments, other.segments) {
            switch (a, b) {
            case (.literal, .capture): return true
            case (.capture, .literal): return false
            default: continue
            }
        }
        return false
    }
}
