import HTTPTypes
import TokenCore

/// GitLab's API guard: finds the token a request presents, validates it, detects reuse of
/// rotated tokens, resolves `Sudo`, and opens the ``Session`` that carries the credential
/// into the request's one write.
struct Authenticator {
    let dependencies: APIDependencies
    let now: Timestamp

    /// The presented token string, by GitLab's precedence: `private_token` param,
    /// `PRIVATE-TOKEN` header, then the OAuth-style `access_token` param, `Authorization: Bearer`
    /// header, `bearer_token` param. Empty values count as absent.
    static func presentedToken(_ request: APIRequest, parameters: Parameters) -> String? {
        func param(_ name: String) -> String? {
            if case .string(let s) = parameters[name], !s.isEmpty { return s }
            return nil
        }
        func header(_ name: HTTPField.Name) -> String? {
            guard let value = request.headers[name], !value.isEmpty else { return nil }
            return value
        }
        if let token = param("private_token") ?? header(.privateToken) { return token }
        if let token = param("access_token") { return token }
        if let authorization = header(.authorization) {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let value = parts[1].trimmingCharacters(in: " ")
                if !value.isEmpty { return value }
            }
        }
        return param("bearer_token")
    }

    /// Authenticates the request or throws the failure GitLab answers. A revoked token presented
    /// to a rotate endpoint first revokes its family (one write, with its audit line), then
    /// fails. Other failures go to the failed-authentication log (``fail(_:token:request:)``).
    func authenticate(_ presented: String, reuseDetection: Bool, request: APIRequest) throws -> Credential {
        let secret = dependencies.secret
        let now = self.now
        let (lookup, found) = try dependencies.repository.read { state -> (Result<Credential, AuthenticationFailure>, Found?) in
            let lookup = Authentication.lookup(presented, secret: secret, in: state, now: now)
            // An unknown value names no token: no second digest on the path a flood takes.
            guard case .failure(let failure) = lookup, failure != .unknownToken,
                let token = state.token(digest: secret.digest(of: presented))
            else { return (lookup, nil) }
            return (lookup, Found(token: token, owner: state.user(token.userID), description: AuditTrail.describe(token, in: state)))
        }
        switch lookup {
        case .success(let credential):
            return credential
        case .failure(.revoked) where reuseDetection:
            let context = AuditContext(
                actor: AuditActor(userID: found?.owner?.id, name: found?.owner?.name ?? "anonymous", tokenID: found?.token.id),
                ipAddress: request.remoteAddress, requestID: request.requestID, time: now)
            let digest = secret.digest(of: presented)
            try dependencies.repository.write { state in
                guard let token = state.token(digest: digest) else { return }
                CredentialUse.revokeFamily(of: token, in: &state, context: context)
            }
            throw AuthenticationFailure.revoked
        case .failure(let failure):
            fail(failure.auditReason, token: found?.description, request: request)
            throw failure
        }
    }

    /// What the read found behind a failed lookup.
    private struct Found {
        var token: AccessToken
        var owner: User?
        var description: (AuditEntity, AuditTarget, AuditTokenReference)
    }

    /// Records a failed authentication (best effort, batched: ``FailedAuthenticationLog``).
    func fail(
        _ reason: FailedAuthentication.Reason, token: (AuditEntity, AuditTarget, AuditTokenReference)?, request: APIRequest
    ) {
        dependencies.failedAuthentications.record(FailedAuthentication.event(
            reason, token: token.map { (entity: $0.0, target: $0.1, reference: $0.2) }, ipAddress: request.remoteAddress,
            requestID: request.requestID, at: now))
    }

    /// The user a `Sudo` header or `sudo` parameter asks to act as, after GitLab's checks; nil
    /// when the request does not ask, or names the token's own user (GitLab's `sudo?` is false
    /// then, so the endpoint's scopes still apply).
    func resolveSudo(_ credential: Credential, request: APIRequest, parameters: Parameters) throws -> User? {
        var requested: String?
        if case .string(let s) = parameters["sudo"], !s.isEmpty { requested = s }
        if requested == nil, let header = request.headers[.sudo], !header.isEmpty { requested = header }
        guard let requested else { return nil }
        guard credential.hasAdminPowers(settings: dependencies.settings) else { throw HTTPError.forbidden("Must be admin to use sudo") }
        guard credential.token.scopes.contains(.sudo) else { throw HTTPError.insufficientScope([.sudo]) }
        let target = try dependencies.repository.read { state in UserDirectory.find(requested, in: state) }
        guard let target else { throw HTTPError.notFound("User with ID or username '\(requested)'") }
        return target.id == credential.user.id ? nil : target
    }
}

extension AuthenticationFailure {
    /// The `reason` of its `authentication_failed` line.
    var auditReason: FailedAuthentication.Reason {
        switch self {
        case .unknownToken: return .unknown
        case .expired: return .expired
        case .revoked: return .revoked
        case .impersonationDisabled, .blocked: return .blocked
        }
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
