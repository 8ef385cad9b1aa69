import Logging
import TokenCore

/// GitLab's API guard: finds the token a request presents, validates it, records its use,
/// detects reuse of rotated tokens, and resolves `Sudo`.
struct Authenticator {
    let environment: APIEnvironment
    let now: Timestamp

    /// The presented token string, by GitLab's precedence: `private_token` param,
    /// `PRIVATE-TOKEN` header, then the OAuth-style `access_token` param, `Authorization: Bearer`
    /// header, `bearer_token` param. Empty values count as absent.
    static func presentedToken(_ request: APIRequest, parameters: Parameters) -> String? {
        func param(_ name: String) -> String? {
            if case .string(let s) = parameters[name], !s.isEmpty { return s }
            return nil
        }
        func header(_ name: String) -> String? {
            guard let value = request.headers[name], !value.isEmpty else { return nil }
            return value
        }
        if let token = param("private_token") ?? header("private-token") { return token }
        if let token = param("access_token") { return token }
        if let authorization = header("authorization") {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let value = parts[1].trimmingCharacters(in: " ")
                if !value.isEmpty { return value }
            }
        }
        return param("bearer_token")
    }

    /// Authenticates the request or throws GitLab's 401 for it.
    func authenticate(_ request: APIRequest, parameters: Parameters, segments: [String]) throws -> Credential {
        guard let presented = Self.presentedToken(request, parameters: parameters) else {
            throw HTTPError.unauthorized
        }
        let secret = environment.secret
        let now = self.now
        let lookup = try environment.repository.read { state -> Result<Credential, AuthenticationFailure> in
            Authentication.lookup(presented, secret: secret, in: state, now: now).flatMap { token in
                guard let user = state.user(token.userID) else { return .failure(.unknownToken) }
                return .success(Credential(token: token, user: user))
            }
        }
        switch lookup {
        case .success(let credential):
            return try recordUse(of: credential, from: request.remoteAddress)
        case .failure(.revoked):
            if Authentication.isRotationPath(segments) { try revokeDescendants(ofPresented: presented) }
            throw HTTPError.tokenRevoked
        case .failure(.expired): throw HTTPError.tokenExpired
        case .failure(.impersonationDisabled): throw HTTPError.impersonationDisabled
        case .failure(.unknownToken), .failure(.blocked): throw HTTPError.unauthorized
        }
    }

    /// Updates `last_used_at`/`last_used_ips` when GitLab's throttle allows; otherwise no write.
    /// Best effort, as GitLab's LastUsedService: when the store refuses the write (full,
    /// read-only, busy) the request goes on with the token as it was.
    private func recordUse(of credential: Credential, from address: String?) throws -> Credential {
        guard Authentication.usageUpdate(of: credential.token, from: address, now: now) != nil else { return credential }
        let now = self.now
        do {
            let updated = try environment.repository.write { state -> AccessToken in
                guard let current = state.token(credential.token.id) else { return credential.token }
                guard let changed = Authentication.usageUpdate(of: current, from: address, now: now) else { return current }
                state.put(changed)
                return changed
            }
            return Credential(token: updated, user: credential.user)
        } catch let error as RepositoryError {
            environment.metrics.recordWriteFailure()
            environment.logger.warning("could not record token use", metadata: ["error": "\(error.message)"])
            return credential
        }
    }

    /// Reuse detection: a revoked token presented to a rotate endpoint revokes its active successors.
    private func revokeDescendants(ofPresented presented: String) throws {
        let secret = environment.secret
        let now = self.now
        try environment.repository.write { state in
            guard let token = state.token(digest: secret.digest(of: presented)) else { return }
            for descendant in Authentication.reuseRevocations(for: token, in: state, now: now) {
                var revoked = descendant
                revoked.revoked = true
                revoked.updatedAt = now
                state.put(revoked)
            }
        }
    }

    /// Blocked owners and disabled impersonation, after the scope check.
    func checkUser(_ credential: Credential) throws(HTTPError) {
        switch Authentication.checkUser(credential, settings: environment.settings) {
        case nil: return
        case .impersonationDisabled: throw HTTPError.impersonationDisabled
        case .blocked: throw HTTPError.forbidden("Your account has been blocked.")
        default: throw HTTPError.unauthorized
        }
    }

    /// The user a `Sudo` header or `sudo` parameter asks to act as, after GitLab's checks;
    /// nil when the request does not ask.
    func resolveSudo(_ credential: Credential, request: APIRequest, parameters: Parameters) throws -> User? {
        var requested: String?
        if case .string(let s) = parameters["sudo"], !s.isEmpty { requested = s }
        if requested == nil, let header = request.headers["sudo"], !header.isEmpty { requested = header }
        guard let requested else { return nil }
        let adminMode = environment.settings.adminMode
        let isAdmin = credential.user.isAdmin && (!adminMode || credential.token.scopes.contains(Scope.adminMode))
        guard isAdmin else { throw HTTPError.forbidden("Must be admin to use sudo") }
        guard credential.token.scopes.contains(Scope.sudo) else { throw HTTPError.insufficientScope([Scope.sudo]) }
        let target = try environment.repository.read { state -> User? in
            if let id = Int(requested), let user = state.user(UserID(id)) { return user }
            return state.user(username: requested)
        }
        guard let target else { throw HTTPError.notFound("User with ID or username '\(requested)'") }
        return target
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
