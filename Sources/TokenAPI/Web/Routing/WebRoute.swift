public import HTTPTypes

/// A page at one of GitLab's web paths (outside `/api/v4`): `/users/sign_in`,
/// `/-/user_settings/personal_access_tokens`, `/<project path>/-/settings/access_tokens`.
/// Matched on the decoded path segments; a `:name` captures one segment, a `*name` one or more
/// (a project's or group's full path).
public struct WebRoute: Sendable {
    /// Who may open the page.
    public enum Access: Sendable {
        /// Anyone (the sign-in page, the stylesheet).
        case anyone
        /// A signed-in person; anyone else is sent to sign in and brought back.
        case signedIn
        /// A signed-in administrator; anyone else signed in gets GitLab's 404.
        case admin
    }

    public typealias Handler = @Sendable (WebContext) throws -> APIResponse

    public let method: HTTPRequest.Method
    let segments: [Segment]
    /// The pattern as declared, for logs and metrics (never what the client sent).
    public let template: String
    public let access: Access
    let handler: Handler

    enum Segment: Sendable, Equatable {
        case literal(String)
        case capture(Substring)
        /// One or more segments, up to the literal suffix that follows.
        case rest(Substring)
    }

    public init(_ method: HTTPRequest.Method, _ pattern: String, access: Access = .signedIn, _ handler: @escaping Handler) {
        self.method = method
        template = pattern
        self.access = access
        self.handler = handler
        segments = pattern.split(separator: "/").map { part in
            if part.hasPrefix(":") { return .capture(part.dropFirst()) }
            if part.hasPrefix("*") { return .rest(part.dropFirst()) }
            return .literal(String(part))
        }
        precondition(segments.filter { if case .rest = $0 { true } else { false } }.count <= 1, "web route \(pattern)")
    }

    /// The captures when `path` matches, else nil. Linear in the path's segments.
    func match(_ path: [String]) -> PathParameters? {
        guard let restIndex = segments.firstIndex(where: { if case .rest = $0 { true } else { false } }) else {
            guard path.count == segments.count else { return nil }
            return matchFixed(segments[...], path[...])
        }
        let suffixCount = segments.count - restIndex - 1
        guard path.count >= restIndex + 1 + suffixCount, case .rest(let name) = segments[restIndex] else { return nil }
        guard let prefix = matchFixed(segments[..<restIndex], path[..<restIndex]),
            let suffix = matchFixed(segments[(restIndex + 1)...], path[(path.count - suffixCount)...])
        else { return nil }
        let rest = path[restIndex..<(path.count - suffixCount)].joined(separator: "/")
        return PathParameters(prefix.values + [(name, rest)] + suffix.values)
    }

    private func matchFixed(_ pattern: ArraySlice<Segment>, _ path: ArraySlice<String>) -> PathParameters? {
        guard pattern.count == path.count else { return nil }
        var captures: [(name: Substring, value: String)] = []
        for (segment, part) in zip(pattern, path) {
            switch segment {
            case .literal(let literal): guard literal == part else { return nil }
            case .capture(let name): captures.append((name, part))
            case .rest: return nil
            }
        }
        return PathParameters(captures)
    }

    /// The decoded segments of a page path, or nil when it has an empty segment inside, a
    /// dot-segment, or a segment that decodes to a NUL, a `/` or invalid UTF-8 (no page has one).
    static func segments(of rawPath: Substring) -> [String]? {
        guard rawPath.hasPrefix("/") else { return nil }
        var parts = rawPath.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if parts.last?.isEmpty == true { parts.removeLast() }
        var segments: [String] = []
        segments.reserveCapacity(parts.count)
        for part in parts {
            guard !part.isEmpty, let decoded = PercentEncoding.decode(part),
                decoded != ".", decoded != "..", !decoded.utf8.contains(0), !decoded.utf8.contains(UInt8(ascii: "/"))
            else { return nil }
            segments.append(decoded)
        }
        return segments
    }
}

/// The pages' routes, apart from the API's: a path is a page only when some page pattern
/// matches it, so `/api/v4` and `/-/health` keep their own routing.
public struct WebRoutes: Sendable {
    public private(set) var routes: [WebRoute] = []

    public init(_ routes: [WebRoute] = []) { self.routes = routes }

    public mutating func add(contentsOf more: [WebRoute]) { routes += more }

    public enum Match: Sendable {
        case found(WebRoute, PathParameters)
        case methodNotAllowed([HTTPRequest.Method])
    }

    /// The route for a request, 405 with the methods the path has, or nil when no page has
    /// this path. HEAD is answered as GET.
    func match(method: HTTPRequest.Method, rawPath: Substring) -> Match? {
        // As bytes (a raw path is ASCII): String's hasPrefix here was 2% of every API request.
        let bytes = rawPath.utf8
        guard !bytes.starts(with: "/api/".utf8), !bytes.elementsEqual("/api".utf8), let path = WebRoute.segments(of: rawPath)
        else { return nil }
        let wanted = method == .head ? .get : method
        var allowed: [HTTPRequest.Method] = []
        for route in routes {
            guard let captures = route.match(path) else { continue }
            if route.method == wanted { return .found(route, captures) }
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        guard !allowed.isEmpty else { return nil }
        if allowed.contains(.get) { allowed.append(.head) }
        return .methodNotAllowed(allowed.sorted { $0.rawValue < $1.rawValue })
    }
}
