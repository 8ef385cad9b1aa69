public import HTTPTypes
import JSON
import Logging
import TokenCore

/// The GitLab-compatible API: routes a request, authenticates it in GitLab's order, runs the
/// handler, and turns every outcome, including every failure, into a GitLab-shaped response.
/// Errors are caught here once and mapped by ``ErrorMapping``.
public struct Application: Sendable {
    public let dependencies: APIDependencies
    public let router: Router

    public init(dependencies: APIDependencies, router: Router = Application.defaultRouter) {
        self.dependencies = dependencies
        self.router = router
    }

    /// Every endpoint tokend serves: the API below `/api/v4`, the gate, health checks and
    /// metrics at `/-/`, and the pages at GitLab's web paths (``WebPages``).
    public static let defaultRouter: Router = {
        var router = Router(system: AuthGate.routes + HealthEndpoints.routes)
        router.add(contentsOf: MetadataEndpoints.routes)
        router.add(contentsOf: UserEndpoints.routes)
        router.add(contentsOf: PersonalAccessTokenEndpoints.routes)
        router.add(contentsOf: UserTokenEndpoints.routes)
        router.add(contentsOf: ImpersonationTokenEndpoints.routes)
        router.add(contentsOf: GroupEndpoints.routes)
        router.add(contentsOf: ProjectEndpoints.routes)
        router.add(contentsOf: NamespaceEndpoints.routes)
        router.add(contentsOf: MemberEndpoints.routes)
        router.add(contentsOf: ResourceAccessTokenEndpoints.routes)
        router.add(contentsOf: ServiceAccountEndpoints.routes)
        router.add(contentsOf: ServiceAccountTokenEndpoints.routes)
        router.add(contentsOf: AdminTokenEndpoints.routes)
        router.add(contentsOf: AuditEventEndpoints.routes)
        router.add(contentsOf: HookEndpoints.routes)
        router.add(contentsOf: DeployTokenEndpoints.routes)
        router.add(contentsOf: OpenAPIEndpoint.routes)
        router.web.add(contentsOf: WebPages.routes)
        return router
    }()

    /// Answers one request, with what the log and metrics need beside the response. Never
    /// throws: failures become GitLab error bodies, anything unexpected a 500 that leaks nothing.
    public func answer(_ request: APIRequest) -> Answer {
        let started = ContinuousClock.now
        var answer = handle(request)
        finish(&answer.response, method: request.method)
        record(answer, method: request.method, started: started)
        return answer
    }

    /// Whether the answer to `target` (path and query, as sent) may depend on the body. The
    /// forward-auth gate's never does, so a transport need not read (or limit) it there.
    public func readsBody(target: String) -> Bool { Self.readsBody(target: target, router: router) }

    /// ``readsBody(target:)`` with the default router.
    public static func readsBody(target: String, router: Router = defaultRouter) -> Bool {
        let path = ByteScan.firstIndex(of: UInt8(ascii: "?"), in: target).map { target[..<$0] } ?? target[...]
        return router.systemRoute(for: path)?.readsBody ?? true
    }

    /// Writes the batch of failed authentications waiting for the audit log (the worker's
    /// flusher calls this every few seconds, CGI once per request).
    @discardableResult
    public func flushAudit() -> Int { dependencies.failedAuthentications.flush() }

    /// A token's audit description, from what the request already knows (no store read).
    static func describe(_ credential: Credential) -> (AuditEntity, AuditTarget, AuditTokenReference) {
        let kind: TokenIdentification.Kind
        if credential.token.impersonation {
            kind = .impersonation
        } else {
            switch credential.user.botResource {
            case .project?: kind = .project
            case .group?: kind = .group
            case nil: kind = .personal
            }
        }
        let entity = credential.user.botResource.map(AuditEntity.resource) ?? AuditEntity(.user, credential.user.id.rawValue)
        return (entity, AuditTarget(type: kind.targetType, id: credential.token.id.rawValue, details: credential.token.name),
            AuditTokenReference(id: credential.token.id, kind: kind))
    }

    /// ``answer(_:)`` without the telemetry.
    public func respond(to request: APIRequest) -> APIResponse { answer(request).response }

    /// The answer to a request the transport refused before it became an ``APIRequest`` (a
    /// body over the limit, a malformed head): the same headers and metrics as any other.
    public func refuse(_ error: HTTPError, method: HTTPRequest.Method? = nil) -> Answer {
        let started = ContinuousClock.now
        var answer = Answer(response: error.response, telemetry: Telemetry())
        finish(&answer.response, method: method)
        record(answer, method: method, started: started)
        return answer
    }

    // MARK: Steps

    private func handle(_ request: APIRequest) -> Answer {
        // The gate and the health checks first (their hot path never looks at the pages), then
        // the pages, then the rest of `/-/` (the catch-all 404) and the API.
        let system = router.systemRoute(for: request.rawPath)
        if let system, !system.isCatchAll { return answer(request, on: system) }
        switch router.web.match(method: request.method, rawPath: request.rawPath) {
        case .found(let route, let captures)?:
            return WebPages.answer(request, route: route, captures: captures, dependencies: dependencies)
        case .methodNotAllowed(let allow)?:
            var response = HTTPError.methodNotAllowed(allow: allow).response
            PageResponse.secure(&response)
            return Answer(response: response, telemetry: Telemetry(route: "/-/web"))
        case nil: break
        }
        if let system { return answer(request, on: system) }
        var telemetry = Telemetry()
        var style = ErrorStyle.fieldMap
        var session: Session?
        do {
            let response: APIResponse
            switch try prepare(request, telemetry: &telemetry, style: &style) {
            case .authenticated(let handler, let context):
                telemetry.userID = context.caller.user.id.rawValue
                session = context.session
                response = try handler(context)
            case .anonymous(let handler, let context):
                telemetry.userID = context.caller?.user.id.rawValue
                session = context.session
                response = try handler(context)
            }
            recordUse(session)
            return Answer(response: response, telemetry: telemetry)
        } catch {
            recordUse(session)
            return Answer(response: render(error, style: style, route: telemetry.route, requestID: request.requestID), telemetry: telemetry)
        }
    }

    /// A `/-/` request: 405 with `Allow` for a method the route does not answer, else its handler;
    /// counted under the route's template.
    private func answer(_ request: APIRequest, on route: SystemRoute) -> Answer {
        var answer: Answer
        if let methods = route.methods, !methods.contains(request.method) {
            answer = Answer(response: HTTPError.methodNotAllowed(allow: methods).response, telemetry: Telemetry())
        } else {
            answer = route.handler(request, dependencies)
        }
        answer.telemetry.route = route.template
        return answer
    }

    private func recordUse(_ session: Session?) {
        session?.recordUseIfPending(in: dependencies.repository, metrics: dependencies.metrics, logger: dependencies.logger)
    }

    private func render(_ error: any Error, style: ErrorStyle, route: String, requestID: String?) -> APIResponse {
        if let error = error as? RepositoryError {
            dependencies.metrics.recordWriteFailure()
            dependencies.logger.forRequest(requestID).error("store failure", metadata: ["route": "\(route)", "error": "\(error.message)"])
        }
        if let mapped = ErrorMapping.httpError(for: error, style: style) { return mapped.response }
        dependencies.logger.forRequest(requestID).error("unhandled error", metadata: ["route": "\(route)", "error": "\(type(of: error))"])
        return HTTPError.internalError.response
    }

    /// GitLab's headers on every API answer; no body for HEAD. The fields are constants,
    /// validated once (``noSniff``, ``sameOrigin``), not at every answer.
    private func finish(_ response: inout APIResponse, method: HTTPRequest.Method?) {
        if response.headerFields.contains(.xContentTypeOptions) {
            response.headerFields[.xContentTypeOptions] = "nosniff"
        } else {
            response.headerFields.append(Self.noSniff)
        }
        if !response.headerFields.contains(.frameOptions) { response.headerFields.append(Self.sameOrigin) }
        if method == .head { response.body = [] }
    }

    private static let noSniff = HTTPField(name: .xContentTypeOptions, value: "nosniff")
    private static let sameOrigin = HTTPField(name: .frameOptions, value: "SAMEORIGIN")

    private func record(_ answer: Answer, method: HTTPRequest.Method?, started: ContinuousClock.Instant) {
        let elapsed = started.duration(to: .now).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        dependencies.metrics.record(
            method: method?.rawValue ?? "-", route: answer.telemetry.route, status: answer.response.status.code, seconds: seconds)
    }

    /// A matched route's handler with the context it takes: an authenticated one only after
    /// every check passed.
    private enum Prepared {
        case authenticated(Handler, AuthenticatedContext)
        case anonymous(AnonymousHandler, RequestContext)
    }

    /// Everything before the handler, in GitLab's order: well-formedness, routing, parameters,
    /// authentication, sudo, scope, user state.
    /// The matched route's template and error style are set as soon as it is known, so even a
    /// refused request is counted under its route and answered in its words.
    private func prepare(
        _ request: APIRequest, telemetry: inout Telemetry, style: inout ErrorStyle
    ) throws -> Prepared {
        try RequestParsing.checkWellFormed(request)
        guard let segments = try RequestParsing.apiSegments(of: request.rawPath) else { throw HTTPError.routeNotFound }
        let route: Route
        let path: PathParameters
        switch router.match(method: request.method, segments: segments) {
        case .notFound: throw HTTPError.routeNotFound
        case .methodNotAllowed(let allow): throw HTTPError.methodNotAllowed(allow: allow)
        case .found(let found, let captures):
            route = found
            path = captures
        }
        telemetry.route = route.template
        style = route.errorStyle
        let parameters = try RequestParsing.parameters(of: request, limit: dependencies.maximumBodySize)
        let now = dependencies.clock.now()
        let presented = route.access == .open ? nil : Authenticator.presentedToken(request, parameters: parameters)
        guard let presented else {
            guard case .anonymous(let handler) = route.action else { throw HTTPError.unauthorized }
            return .anonymous(handler, RequestContext(
                request: request, path: path, parameters: parameters, credential: nil, caller: nil,
                dependencies: dependencies, now: now, session: nil))
        }
        let authenticator = Authenticator(dependencies: dependencies, now: now)
        let detectsReuse = try route.reuseDetection.applies(to: path)
        let authenticated = try authenticator.authenticate(presented, reuseDetection: detectsReuse, request: request)
        let sudo = try authenticator.resolveSudo(authenticated, request: request, parameters: parameters)
        if sudo == nil, !Authentication.hasScope(authenticated.token, accepted: route.scopes.accepted(for: request.method)) {
            authenticator.fail(.scope, token: Self.describe(authenticated), request: request)
            throw HTTPError.insufficientScope(route.scopes.registered)
        }
        if let failure = Authentication.checkUser(authenticated, settings: dependencies.settings) {
            authenticator.fail(failure.auditReason, token: Self.describe(authenticated), request: request)
            throw failure
        }
        let actor = sudo ?? authenticated.user
        let session = Session(
            credential: authenticated, actor: actor, address: request.remoteAddress, requestID: request.requestID, now: now,
            settings: dependencies.settings, detectsReuse: detectsReuse)
        var credential = authenticated
        if request.method == .get || request.method == .head {
            // A read records the use before it runs, so `GET …/self` shows it.
            credential = session.recordUseIfPending(
                in: dependencies.repository, metrics: dependencies.metrics, logger: dependencies.logger)
        }
        let caller = Caller(user: actor, isAdmin: credential.hasAdminPowers(as: actor, settings: dependencies.settings))
        switch route.action {
        case .anonymous(let handler):
            return .anonymous(handler, RequestContext(
                request: request, path: path, parameters: parameters, credential: credential, caller: caller,
                dependencies: dependencies, now: now, session: session))
        case .authenticated(let handler):
            return .authenticated(handler, AuthenticatedContext(
                request: request, path: path, parameters: parameters, credential: credential, caller: caller,
                dependencies: dependencies, now: now, session: session))
        }
    }
}
