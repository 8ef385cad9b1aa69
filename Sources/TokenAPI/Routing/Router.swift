public import HTTPTypes

/// Finds the route for a request: API routes by method and decoded path segments (below
/// `/api/v4`), where every GET route also answers HEAD, as in GitLab; ``SystemRoute``s by the
/// raw `/-/` path.
public struct Router: Sendable {
    public private(set) var routes: [Route] = []
    /// The routes by their number of segments: a path is compared only with routes of its
    /// length (measured: scanning all of them was 6% of an authenticated GET).
    private var routesByLength: [Int: [Route]] = [:]
    public private(set) var systemRoutes: [SystemRoute] = []
    private var exactSystemRoutes: [Substring: SystemRoute] = [:]
    /// Longest prefix first.
    private var prefixSystemRoutes: [(prefix: String, route: SystemRoute)] = []
    /// The pages at GitLab's web paths (outside `/api/v4`), matched before the `/-/` routes.
    public var web = WebRoutes()

    public init(_ routes: [Route] = [], system: [SystemRoute] = []) {
        add(contentsOf: routes)
        for route in system { add(route) }
    }

    public mutating func add(_ route: Route) {
        append(route)
        if route.method == .get {
            var head = route
            head.method = .head
            append(head)
        }
    }

    private mutating func append(_ route: Route) {
        routes.append(route)
        routesByLength[route.segments.count, default: []].append(route)
    }

    public mutating func add(contentsOf routes: [Route]) {
        for route in routes { add(route) }
    }

    /// Adds a `/-/` route. A pattern outside `/-/`, or one already taken, is a programming
    /// error caught when the router is built (at start-up and by the tests), never by a request.
    public mutating func add(_ route: SystemRoute) {
        switch route.pattern {
        case .exact(let path):
            precondition(path.hasPrefix(SystemRoute.root) && exactSystemRoutes[Substring(path)] == nil, "system route \(path)")
            exactSystemRoutes[Substring(path)] = route
        case .prefix(let prefix):
            precondition(prefix.hasPrefix(SystemRoute.root) && !prefixSystemRoutes.contains { $0.prefix == prefix }, "system route \(prefix)")
            prefixSystemRoutes.append((prefix, route))
            prefixSystemRoutes.sort { $0.prefix.utf8.count > $1.prefix.utf8.count }
        }
        systemRoutes.append(route)
    }

    public enum Match: Sendable {
        case found(Route, PathParameters)
        case methodNotAllowed([HTTPRequest.Method])
        case notFound
    }

    public func match(method: HTTPRequest.Method, segments: [String]) -> Match {
        var best: Route?
        var allowed: [HTTPRequest.Method] = []
        for route in routesByLength[segments.count] ?? [] where route.matches(segments) {
            guard route.method == method else {
                if !allowed.contains(route.method) { allowed.append(route.method) }
                continue
            }
            if let current = best, !route.isMoreSpecific(than: current) { continue }
            best = route
        }
        if let best { return .found(best, best.parameters(of: segments)) }
        if !allowed.isEmpty { return .methodNotAllowed(allowed.sorted { $0.rawValue < $1.rawValue }) }
        return .notFound
    }

    /// The `/-/` route for a raw path: an exact one, else the longest prefix; nil for a path
    /// outside `/-/` (an API path) or one no route claims.
    public func systemRoute(for rawPath: Substring) -> SystemRoute? {
        guard rawPath.hasPrefix(SystemRoute.root) else { return nil }
        if let exact = exactSystemRoutes[rawPath] { return exact }
        return prefixSystemRoutes.first { rawPath.hasPrefix($0.prefix) }?.route
    }
}
