import HTTPTypes
import Logging
import TokenCore

/// The forward-auth gate: `GET /-/auth[/<scope>[+<scope>…]][?project=…|group=…&min_access_level=…]`,
/// asked by nginx's `auth_request` or Caddy's `forward_auth` before they serve another service.
///
/// 204 with the caller's identity in `X-Tokend-*` headers (``GateHeaders``) when the request
/// carries a valid token with every scope named, whose owner may use the API and, when asked,
/// is a member at the level named. Otherwise the API's refusal in the API's words: 401 for a
/// missing, unknown, expired or revoked token (with a `Bearer` or `Basic` challenge, realm
/// `tokend`), 403 insufficient_scope, 403 for a blocked owner or a non-member, 403 for a request
/// that carries an `X-Tokend-*` header of its own (``GateHeaders/carriesIdentityHeader(_:)``,
/// whatever its token). It fails closed:
/// a store that cannot be read gives 503, never 204.
///
/// One read of the store and no write on the common path: the token's use is recorded as the
/// API records it (``Session``, GitLab's throttle), so only the first check in ten minutes, or
/// from a new address, writes. Nothing rotates here, so there is no reuse detection.
///
/// With `--gate-sessions`, a request without a token may instead carry a signed-in browser's
/// session cookie (``admitSession(_:request:)``): the session acts as its user, like a token
/// with the `api` scope; and a 401 names the sign-in page that brings the browser back
/// (``signInLocation(for:)``).
struct AuthGate {
    let dependencies: APIDependencies
    let requestID: String?

    init(dependencies: APIDependencies, request: APIRequest) {
        self.dependencies = dependencies
        requestID = request.requestID
    }

    /// Where this request's lines go: the application's logger with the request's id (built
    /// only when a line is written).
    var logger: Logger { dependencies.logger.forRequest(requestID) }

    /// `/-/auth` and `/-/auth/<scopes>`: every method reaches the gate, which refuses all but
    /// GET and HEAD in its own words; the body is never read.
    static let routes: [SystemRoute] = [
        SystemRoute(.exact(GateRequest.path), methods: nil, template: GateRequest.path, readsBody: false, answer),
        SystemRoute(.prefix(GateRequest.path + "/"), methods: nil, template: GateRequest.path + "/:scopes", readsBody: false, answer),
    ]

    @Sendable private static func answer(_ request: APIRequest, dependencies: APIDependencies) -> Answer {
        AuthGate(dependencies: dependencies, request: request).answer(request)
    }

    /// Answers a gate request.
    func answer(_ request: APIRequest) -> Answer {
        var telemetry = Telemetry()
        var (basic, presented) = (false, false)
        do {
            guard request.method == .get || request.method == .head else {
                throw HTTPError.methodNotAllowed(allow: [.get, .head])
            }
            try RequestParsing.checkWellFormed(request)
            guard !GateHeaders.carriesIdentityHeader(request.headers) else {
                logger.warning("gate: refused a request that carries its own X-Tokend-* header")
                throw GateHeaders.refusal
            }
            let parsed = try GateRequest(request)
            (basic, presented) = (parsed.basic, parsed.token != nil || parsed.deployToken != nil)
            if let deployToken = parsed.deployToken {
                let fields = try admit(deployToken: deployToken, requirement: parsed.requirement, request: request)
                return Answer(response: APIResponse(status: .noContent, headerFields: fields), telemetry: telemetry)
            }
            if parsed.token == nil, dependencies.web.gateAcceptsSessions, let (user, fields) = try admitSession(parsed, request: request) {
                telemetry.userID = user.id.rawValue
                return Answer(response: APIResponse(status: .noContent, headerFields: fields), telemetry: telemetry)
            }
            let (credential, fields) = try admit(parsed, request: request)
            telemetry.userID = credential.user.id.rawValue
            return Answer(response: APIResponse(status: .noContent, headerFields: fields), telemetry: telemetry)
        } catch {
            var response = refusal(error, basic: basic, presented: presented)
            if response.status == .unauthorized, dependencies.web.gateAcceptsSessions {
                response.headerFields[GateHeaders.signIn] = AuthGate.signInLocation(for: request)
            }
            return Answer(response: response, telemetry: telemetry)
        }
    }

    /// The checks in the API's order: the token (unknown, expired, revoked), the scopes, the
    /// owner (impersonation disabled, blocked); then the use is recorded and membership checked.
    private func admit(_ parsed: GateRequest, request: APIRequest) throws -> (Credential, HTTPFields) {
        guard let presented = parsed.token else { throw AuthenticationFailure.unknownToken }
        let (secret, now, requirement) = (dependencies.secret, dependencies.clock.now(), parsed.requirement)
        let found = try dependencies.repository.read { state in
            let lookup = Authentication.lookup(presented, secret: secret, in: state, now: now)
            guard case .success(let credential) = lookup else {
                // An unknown value names no token: no second digest on the path a flood takes.
                guard case .failure(let failure) = lookup, failure != .unknownToken else { return Decision(lookup: lookup) }
                let token = state.token(digest: secret.digest(of: presented)).map { AuditTrail.describe($0, in: state) }
                return Decision(lookup: lookup, token: token)
            }
            let botPath = credential.user.botResource.flatMap { state.resources.fullPath(of: $0) }
            let membership = GatePolicy.checkMembership(of: credential.user.id, against: requirement, in: state, now: now)
            return Decision(lookup: lookup, botPath: botPath, membership: membership)
        }
        let authenticator = Authenticator(dependencies: dependencies, now: now)
        let credential: Credential
        switch found.lookup {
        case .success(let found): credential = found
        case .failure(let failure):
            authenticator.fail(failure.auditReason, token: found.token, request: request)
            throw failure
        }
        if let refusal = GatePolicy.checkScopes(of: credential.token, against: requirement) {
            authenticator.fail(.scope, token: Application.describe(credential), request: request)
            throw refusal
        }
        if let failure = Authentication.checkUser(credential, settings: dependencies.settings) {
            authenticator.fail(failure.auditReason, token: Application.describe(credential), request: request)
            throw failure
        }
        Session(
            credential: credential, actor: credential.user, address: request.remoteAddress, requestID: request.requestID, now: now,
            settings: dependencies.settings, detectsReuse: false
        ).recordUseIfPending(in: dependencies.repository, metrics: dependencies.metrics, logger: dependencies.logger)
        if let refusal = found.membership { throw refusal }
        guard let fields = dependencies.responseCache.gateFields(for: credential, botPath: found.botPath) else {
            logger.error("gate: a stored name cannot go into a header", metadata: ["user_id": "\(credential.user.id.rawValue)"])
            throw HTTPError.internalError
        }
        return (credential, fields)
    }

    /// A deploy token: found by its keyed digest (with its Basic username), then held to
    /// ``DeployTokenAccess/check(_:against:in:)``, in one read. Its use is not recorded (GitLab
    /// keeps no last-used time for deploy tokens), so the gate does not write.
    private func admit(
        deployToken: (value: String, username: String?), requirement: GateRequirement, request: APIRequest
    ) throws -> HTTPFields {
        let (secret, now) = (dependencies.secret, dependencies.clock.now())
        let (lookup, refusal, path) = try dependencies.repository.read { state in
            let lookup = DeployTokenAccess.lookup(deployToken.value, username: deployToken.username, secret: secret, in: state, now: now)
            guard case .success(let token) = lookup else { return (lookup, GateRefusal?.none, String?.none) }
            return (lookup, DeployTokenAccess.check(token, against: requirement, in: state), state.resources.fullPath(of: token.resource))
        }
        let authenticator = Authenticator(dependencies: dependencies, now: now)
        let token: DeployToken
        switch lookup {
        case .success(let found): token = found
        case .failure(let failure):
            authenticator.fail(failure.auditReason, token: nil, request: request)
            throw failure
        }
        if let refusal {
            if case .insufficientScope = refusal { authenticator.fail(.scope, token: nil, request: request) }
            throw refusal
        }
        guard let path, let fields = GateHeaders.fields(for: token, path: path) else {
            logger.error("gate: a stored path cannot go into a header", metadata: ["deploy_token_id": "\(token.id.rawValue)"])
            throw HTTPError.internalError
        }
        return fields
    }

    /// What the one read found.
    private struct Decision {
        var lookup: Result<Credential, AuthenticationFailure>
        var botPath: String?
        var membership: GateRefusal?
        /// A token found but refused (expired, revoked), for its audit line.
        var token: (AuditEntity, AuditTarget, AuditTokenReference)?
    }

    private func refusal(_ error: any Error, basic: Bool, presented: Bool) -> APIResponse {
        if let error = error as? RepositoryError {
            logger.error("gate: store failure", metadata: ["error": "\(error.message)"])
        }
        if let mapped = ErrorMapping.gateError(for: error, basic: basic, tokenPresented: presented) { return mapped.response }
        logger.error("gate: unhandled error", metadata: ["error": "\(type(of: error))"])
        return HTTPError.internalError.response
    }
}
