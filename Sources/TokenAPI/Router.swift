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
    public var scopes: EndpointScopes
    public var requiresAuthentication: Bool
    public var handler: Handler

    public init(
        _ method: String, _ path: String, scopes: EndpointScopes = .api, authenticated: Bool = true,
        _ handler: @escaping Handler
    ) {
        self.method = method
        self.pattern = path.split(separator: "/").map(String.init)
        self.scopes = scopes
        self.requiresAuthentication = authenticated
        self.handler = handler
    }

    /// The route template, for logs and metrics (`/personal_access_tokens/:id`).
    public var template: String { "/" + pattern.joined(separator: "/") }

    func match(_ segments: [String]) -> [String: String]? {
        guard segments.count == pattern.count else { return nil }
        var parameters: [String: String] = [:]
        for (p, s) in zip(pattern, segments) {
            if p.hasPrefix(":") {
                guard !s.isEmpty else { return nil }
                parameters[String(p.dropFirst())] = s
            } else if p != s {
                return nil
            }
        }
        return parameters
    }

    /// Literal segments beat parameters, leftmost first: `/self` wins over `/:id`.
    var specificity: [Bool] { pattern.map { !$0.hasPrefix(":") } }
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
        var best: (Route, [String: String])?
        var allowed: [String] = []
        for route in routes {
            guard let parameters = route.match(segments) else { continue }
            guard route.method == method else {
                if !allowed.contains(route.method) { allowed.append(route.method) }
                continue
            }
            if let current = best, !Self.isMoreSpecific(route.specificity, than: current.0.specificity) { continue }
            best = (route, parameters)
        }
        // A parameter route matched but a literal route exists for another method at that
        // position: GitLab still routes by method first, so keep the method match.
        if let best { return .found(best.0, best.1) }
        if !allowed.isEmpty { return .methodNotAllowed(allowed.sorted()) }
        return .notFound
    }

    private static func isMoreSpecific(_ a: [Bool], than b: [Bool]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return x }
        return false
    }
}
