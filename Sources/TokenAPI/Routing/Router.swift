public import HTTPTypes

/// Finds the route for a request: API routes by method and decoded path segments (below
/// `/api/v4`), where every GET route also answers HEAD, as in GitLab; ``SystemRoute``s by the
/// raw `/-/` path.
public struct Router: Sendable {
    public private(set) var routes: [Route] = []
    /// The routes by their number of segments: a path is compared only with routes of its
    /// length (measured: scanning all of them was 6% of an authenticated GET).
    private var routesByLength: [Int: [Route]] = [:]
    /// The same, narrowed by the first segment: for a length and a first literal, the routes
    /// whose first segment is that literal or a capture, in the order they were added (so a
    /// match finds what the scan of ``routesByLength`` finds, comparing a handful of routes
    /// instead of every route of that length). Keyed by length, then first literal.
    private var routesByFirstSegment: [Int: [String: [Route]]] = [:]
    /// The routes of a length whose first segment is a capture, in order: the candidates for a
    /// path whose first segment no literal names.
    private var routesWithCaptureFirst: [Int: [Route]] = [:]
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
        let length = route.segments.count
        routesByLength[length, default: []].append(route)
        switch route.segments.first {
        case .literal(let first)?:
            routesByFirstSegment[length, default: [:]][first, default: routesWithCaptureFirst[length] ?? []].append(route)
        case .capture?:
            routesWithCaptureFirst[length, default: []].append(route)
            for first in routesByFirstSegment[length]?.keys.map({ $0 }) ?? [] {
                routesByFirstSegment[length]![first]!.append(route)
            }
        case nil: break
        }
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
        let candidates = segments.first.map { first in
            routesByFirstSegment[segments.count]?[first] ?? routesWithCaptureFirst[segments.count] ?? []
        } ?? routesByLength[0] ?? []
        for route in candidates where route.matches(segments) {
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
        // Prefixes compared as bytes (a raw path is ASCII): String's hasPrefix compares
        // characters, and was most of the gate's routing, asked twice per request.
        let path = rawPath.utf8
        guard path.starts(with: SystemRoute.root.utf8) else { return nil }
        if let exact = exactSystemRoutes[rawPath] { return exact }
        return prefixSystemRoutes.first { path.starts(with: $0.prefix.utf8) }?.route
    }
}
