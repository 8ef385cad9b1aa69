import TokenCore

/// Which token scopes an endpoint accepts, as GitLab registers them: the endpoint's own
/// grants followed by the API-wide ones (`api`, and `read_api` for GET/HEAD).
public struct EndpointScopes: Sendable {
    /// (scope, only for GET/HEAD)
    public var grants: [(scope: String, readOnly: Bool)]

    static let global: [(scope: String, readOnly: Bool)] = [(Scope.api, false), (Scope.readAPI, true)]

    public init(own: [(scope: String, readOnly: Bool)] = []) { grants = own + Self.global }

    /// Scopes that satisfy this endpoint for `method`.
    public func accepted(for method: String) -> [String] {
        let reading = method == "GET" || method == "HEAD"
        return grants.filter { reading || !$0.readOnly }.map(\.scope)
    }

    /// Every registered name, as the `scope` field of insufficient_scope lists them.
    public var registered: [String] { grants.map(\.scope) }

    /// API-wide only.
    public static let api = EndpointScopes()
    /// Any scope at all (`/personal_access_tokens/self`).
    public static let anyScope = EndpointScopes(own: Scope.all.map { ($0, false) })
    /// The Users API: `read_user` for reads.
    public static let users = EndpointScopes(own: [(Scope.readUser, true)])
}

/// A handler: turns a request with its authenticated context into a response.
public typealias Handler = @Sendable (inout RequestContext) throws -> APIResponse

/// One endpoint: method, path pattern (`:name` segments are parameters), scopes and handler.
public struct Route: Sendable {
    public var method: String
    public var pattern: [String]
    /// `pattern` split once into literals and `:name` parameters, for matching.
    let segments: [Segment]
    public var scopes: EndpointScopes
    public var requiresAuthentication: Bool
    /// Anonymous callers are served too, but a presented token is still authenticated (and a
    /// bad one refused): GitLab's public projects and groups.
    public var allowsAnonymous: Bool
    public var handler: Handler

    public init(
        _ method: String, _ path: String, scopes: EndpointScopes = .api, authenticated: Bool = true, anonymous: Bool = false,
        _ handler: @escaping Handler
    ) {
        self.method = method
        self.pattern = path.split(separator: "/").map(String.init)
        self.segments = pattern.map { $0.hasPrefix(":") ? .parameter(String($0.dropFirst())) : .literal($0) }
        self.scopes = scopes
        self.requiresAuthentication = authenticated
        self.allowsAnonymous = anonymous
        self.handler = handler
    }

    /// The route template, for logs and metrics (`/personal_access_tokens/:id`).
    public var template: String { "/" + pattern.joined(separator: "/") }

    enum Segment: Sendable {
        case literal(String)
        case parameter(String)
    }

    /// True when the path has this route's shape (no allocation).
    func matches(_ path: [String]) -> Bool {
        guard path.count == segments.count else { return false }
        for (segment, part) in zip(segments, path) {
            switch segment {
            case .literal(let text): if text != part { return false }
            case .parameter: if part.isEmpty { return false }
            }
        }
        return true
    }

    /// The `:name` values of a path this route matches.
    func parameters(of path: [String]) -> [String: String] {
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, path) {
            if case .parameter(let name) = segment { parameters[name] = part }
        }
        return parameters
    }

    /// Literal segments beat parameters, leftmost first: `/self` wins over `/:id`.
    var specificity: [Bool] {
        segments.map { if case .literal = $0 { return true } else { return false } }
    }
}

/// Finds the route for a method and decoded path segments (below `/api/v4`).
public struct Router: Sendable {
    public private(set) var routes: [Route] = []

    public init(_ routes: [Route] = []) {
        for route in routes { add(route) }
    }

    public mutating func add(_ route: Route) {
        routes.append(route)
        if route.method == "GET" {
            var head = route
            head.method = "HEAD"
            routes.append(head)
        }
    }

    public mutating func add(contentsOf routes: [Route]) {
        for route in routes { add(route) }
    }

    public enum Match {
        case found(Route, [String: String])
        case methodNotAllowed([String])
        case notFound
    }

    public func match(method: String, segments: [String]) -> Match {
        var best: Route?
        var allowed: [String] = []
        for route in routes where route.matches(segments) {
            guard route.method == method else {
                if !allowed.contains(route.method) { allowed.append(route.method) }
                continue
            }
            if let current = best, !Self.isMoreSpecific(route.specificity, than: current.specificity) { continue }
            best = route
        }
        if let best { return .found(best, best.parameters(of: segments)) }
        if !allowed.isEmpty { return .methodNotAllowed(allowed.sorted()) }
        return .notFound
    }

    private static func isMoreSpecific(_ a: [Bool], than b: [Bool]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return x }
        return false
    }
}
