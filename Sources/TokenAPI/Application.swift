import JSON
import Logging
import TokenCore

/// The GitLab-compatible API: routes a request, authenticates it in GitLab's order, runs the
/// handler, and turns every outcome, including every failure, into a GitLab-shaped response.
public struct Application: Sendable {
    public let environment: APIEnvironment
    public let router: Router

    public init(environment: APIEnvironment, router: Router = Application.defaultRouter) {
        self.environment = environment
        self.router = router
    }

    /// Every endpoint tokend serves.
    public static let defaultRouter: Router = {
        var router = Router()
        router.add(contentsOf: MetadataEndpoints.routes)
        router.add(contentsOf: UserEndpoints.routes)
        router.add(contentsOf: PersonalAccessTokenEndpoints.routes)
        router.add(contentsOf: UserTokenEndpoints.routes)
        router.add(contentsOf: ImpersonationTokenEndpoints.routes)
        router.add(contentsOf: GroupEndpoints.routes)
        router.add(contentsOf: ProjectEndpoints.routes)
        router.add(contentsOf: MemberEndpoints.routes)
        router.add(contentsOf: ResourceAccessTokenEndpoints.routes)
        router.add(contentsOf: OpenAPIEndpoint.routes)
        return router
    }()

    /// Answers one request. Never throws: failures become GitLab error bodies, and anything
    /// unexpected becomes a 500 that leaks nothing.
    public func respond(to request: APIRequest) -> APIResponse {
        let started = ContinuousClock.now
        let response = answer(request)
        let elapsed = started.duration(to: .now).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        environment.metrics.record(method: request.method, route: response.route ?? "-", status: response.status, seconds: seconds)
        return response
    }

    private func answer(_ request: APIRequest) -> APIResponse {
        if var health = HealthEndpoints.respond(to: request, environment: environment) {
            health.headers.append(("X-Content-Type-Options", "nosniff"))
            if request.method == "HEAD" { health.body = [] }
            return health
        }
        var response: APIResponse
        var template = "-"
        var userID: Int?
        do {
            let (route, context) = try prepare(request, template: &template)
            userID = context.actor?.id.rawValue
            var handlerContext = context
            response = try route.handler(&handlerContext)
        } catch let error as HTTPError {
            response = error.response
        } catch let error as RepositoryError {
            response = Self.response(for: error)
            environment.metrics.recordWriteFailure()
            environment.logger.error("store failure", metadata: ["route": "\(template)", "error": "\(error.message)"])
        } catch {
            environment.logger.error("unhandled error", metadata: ["route": "\(template)", "error": "\(type(of: error))"])
            response = HTTPError.message(500, "500 Internal Server Error").response
        }
        response.headers.append(("X-Content-Type-Options", "nosniff"))
        response.headers.append(("X-Frame-Options", "SAMEORIGIN"))
        if request.method == "HEAD" { response.body = [] }
        response.route = template
        response.userID = userID
        return response
    }

    static func response(for error: RepositoryError) -> APIResponse {
        switch error.kind {
        case .busy:
            return HTTPError.message(503, "503 Service Unavailable - the store is busy, retry shortly", headers: [("Retry-After", "1")]).response
        case .readOnly:
            return HTTPError.message(503, "503 Service Unavailable - the store is read-only; writes are refused").response
        case .full:
            return HTTPError.message(507, "507 Insufficient Storage - no space left for the store; nothing was written").response
        case .failed:
            return HTTPError.message(503, "503 Service Unavailable - the store refused the write; see the server log").response
        }
    }

    /// Routing, body parsing, authentication, token validity, scope and user checks: everything
    /// before the handler, in GitLab's order.
    private func prepare(_ request: APIRequest, template: inout String) throws -> (Route, RequestContext) {
        try Self.checkWellFormed(request)
        guard let segments = try Self.apiSegments(of: request.rawPath) else { throw HTTPError.routeNotFound }
        let route: Route
        let pathParameters: [String: String]
        switch router.match(method: request.method, segments: segments) {
        case .notFound: throw HTTPError.routeNotFound
        case .methodNotAllowed(let allow): throw HTTPError.methodNotAllowed(allow: allow)
        case .found(let r, let p):
            route = r
            pathParameters = p
        }
        template = route.template
        let parameters = try Self.parameters(of: request, limit: environment.maximumBodySize)
        let now = environment.clock.now()
        var credential: Credential?
        var actor: User?
        let anonymous = route.allowsAnonymous && Authenticator.presentedToken(request, parameters: parameters) == nil
        if route.requiresAuthentication && !anonymous {
            let authenticator = Authenticator(environment: environment, now: now)
            let authenticated = try authenticator.authenticate(request, parameters: parameters, segments: segments)
            // GitLab's `sudo?`: Sudo naming the token's own user is no sudo at all, so the
            // endpoint's scopes still apply; naming another user acts with that user's rights.
            let sudo = try authenticator.resolveSudo(authenticated, request: request, parameters: parameters)
                .flatMap { $0.id == authenticated.user.id ? nil : $0 }
            if sudo == nil, !Authentication.hasScope(authenticated.token, acceptedScopes: route.scopes.accepted(for: request.method)) {
                throw HTTPError.insufficientScope(route.scopes.registered)
            }
            try authenticator.checkUser(authenticated)
            credential = authenticated
            actor = sudo ?? authenticated.user
        }
        let context = RequestContext(
            request: request, pathParameters: pathParameters, parameters: parameters, credential: credential,
            actor: actor, environment: environment, now: now, segments: segments)
        return (route, context)
    }

    /// The decoded segments below `/api/v4/`, or nil when the path is not under it or has an
    /// empty segment. A segment that decodes to invalid UTF-8 or a NUL is malformed (400).
    static func apiSegments(of rawPath: Substring) throws(HTTPError) -> [String]? {
        var parts = rawPath.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0].isEmpty, parts[1] == "api", parts[2] == "v4" else { return nil }
        parts.removeFirst(3)
        if parts.last == "" { parts.removeLast() }
        var segments: [String] = []
        segments.reserveCapacity(parts.count)
        for part in parts {
            guard !part.isEmpty else { return nil }
            guard let decoded = PercentEncoding.decode(part), !decoded.utf8.contains(0) else { throw .malformed }
            segments.append(decoded)
        }
        return segments
    }

    /// Refuses what GitLab's middleware refuses before any routing: a target past the length
    /// bound, control bytes in the target, CR, LF or NUL in any header value.
    static func checkWellFormed(_ request: APIRequest) throws(HTTPError) {
        guard request.target.utf8.count <= RequestLimits.target else { throw .uriTooLong }
        guard !request.target.utf8.contains(where: { $0 < 0x21 || $0 == 0x7F }) else { throw .malformed }
        for value in request.headers.values where value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) {
            throw .malformed
        }
    }

    /// Query string plus a form or JSON body, merged. Invalid JSON is Grape's 400; invalid
    /// UTF-8, a NUL, or input past ``RequestLimits`` is GitLab's plain 400.
    static func parameters(of request: APIRequest, limit: Int) throws(HTTPError) -> Parameters {
        var parameters = Parameters()
        try parameters.addForm(request.rawQuery)
        guard !request.body.isEmpty else { return parameters }
        guard request.body.count <= limit else { throw .payloadTooLarge }
        let type = (request.contentType ?? "").lowercased()
        if type.hasPrefix("application/json") || type.hasSuffix("+json") {
            let value: JSONValue
            do {
                value = try JSONParser.parse(request.body, limits: RequestLimits.json)
            } catch where error.kind == .syntax {
                throw HTTPError.error(400, "The request body contains invalid JSON")
            } catch {
                throw .malformed
            }
            guard case .object(let object) = value else {
                throw HTTPError.error(400, "The request body must be a JSON object")
            }
            try parameters.addJSON(object)
        } else if type.isEmpty || type.hasPrefix("application/x-www-form-urlencoded") {
            guard let text = String(validating: request.body, as: UTF8.self) else { throw .malformed }
            try parameters.addForm(text[...])
        }
        return parameters
    }
}
