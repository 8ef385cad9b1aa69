public import HTTPTypes

/// Finds the route for a method and decoded path segments (below `/api/v4`). Every GET route
/// also answers HEAD, as in GitLab.
public struct Router: Sendable {
    public private(set) var routes: [Route] = []
    /// The routes by their number of segments: a path is compared only with routes of its
    /// length (measured: scanning all of them was 6% of an authenticated GET).
    private var routesByLength: [Int: [Route]] = [:]

    public init(_ routes: [Route] = []) { add(contentsOf: routes) }

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
}
