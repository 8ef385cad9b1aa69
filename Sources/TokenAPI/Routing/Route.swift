public import HTTPTypes

/// A handler: turns a request with its authenticated context into a response. Domain errors
/// it throws are mapped by ``ErrorMapping`` in the route's ``ErrorStyle``.
public typealias Handler = @Sendable (RequestContext) throws -> APIResponse

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

    public var method: HTTPRequest.Method
    /// The route template, for logs and metrics (`/personal_access_tokens/:id`).
    public let template: String
    let segments: [Segment]
    public var scopes: EndpointScopes
    public var access: Access
    public var errorStyle: ErrorStyle
    /// Whether presenting a revoked token here revokes its family (a rotate endpoint).
    public var reuseDetection: ReuseDetection
    public var handler: Handler

    public init(
        _ method: HTTPRequest.Method, _ path: String, scopes: EndpointScopes = .api, access: Access = .authenticated,
        errors: ErrorStyle = .fieldMap, reuseDetection: ReuseDetection = .none, _ handler: @escaping Handler
    ) {
        self.method = method
        let parts = path.split(separator: "/")
        self.template = "/" + parts.joined(separator: "/")
        self.segments = parts.map { $0.hasPrefix(":") ? .capture($0.dropFirst()) : .literal(String($0)) }
        self.scopes = scopes
        self.access = access
        self.errorStyle = errors
        self.reuseDetection = reuseDetection
        self.handler = handler
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
